"""Fixtures shared by the store and indexer tests. A module's own fixture of the same name wins."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from photosearch.encoders.base import Encoder
from photosearch.store import Store
from tests.index_helpers import tiny_encoder


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The user cache (quick text exports, search scratch files) of a test run is its own: exports made by an
    earlier run or by the developer's own searches never answer a test's query."""
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    yield
    mp.undo()


@pytest.fixture(scope="module")
def encoder(tmp_path_factory: pytest.TempPathFactory) -> Encoder:
    """A real (random) tiny Long-CLIP, built once per test module."""
    return tiny_encoder(tmp_path_factory.mktemp("model"))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "lib.db")
    yield s
    s.close()
