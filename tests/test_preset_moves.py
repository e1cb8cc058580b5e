"""A preset name that moves to other weights (`llm2clip-8b`: HF OpenAI-L -> EVA02-L) leaves libraries indexed
under it searching their own vectors, through what the name meant before (`formerly`)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from huggingface_hub import constants

from indexer import Indexer
from photosearch.factory import PRESETS_ENV_VAR, former_specs
from photosearch.library import Library
from photosearch.search import SearchRequest
from tests.index_helpers import make_photos
from tests.tiny.longclip import write_tiny_longclip

BEFORE_SHA, NOW_SHA = "a" * 40, "b" * 40


def _preset(folder: Path, name: str, repo: str, sha: str, file: str, formerly: list[str] | None = None) -> None:
    data = {"kind": "longclip", "description": name,
            "parts": {"weights": {"repo_id": repo, "revision": sha, "files": [file]}}}
    if formerly:
        data["formerly"] = formerly
    (folder / f"{name}.json").write_text(json.dumps(data))


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`tiny-moved` now means test/now (not downloaded; offline), formerly `tiny-before` (downloaded)."""
    cache, presets = tmp_path / "hf", tmp_path / "presets"
    presets.mkdir()
    snapshot = cache / "models--test--before" / "snapshots" / BEFORE_SHA
    snapshot.mkdir(parents=True)
    write_tiny_longclip(snapshot / "before.pt", 1)
    _preset(presets, "tiny-before", "test/before", BEFORE_SHA, "before.pt")
    _preset(presets, "tiny-moved", "test/now", NOW_SHA, "now.pt", formerly=["tiny-before"])
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setenv(PRESETS_ENV_VAR, str(presets))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return cache


def test_former_meanings_are_split_by_what_is_downloaded(hub: Path) -> None:
    assert former_specs("tiny-moved") == (["tiny-before"], [])
    shutil.rmtree(hub / "models--test--before")
    assert former_specs("tiny-moved") == ([], ["tiny-before"])
    assert former_specs("tiny-before") == ([], [])
    assert former_specs("longclip:/x.pt") == ([], [])


def test_library_indexed_under_a_moved_name_keeps_searching(hub: Path, tmp_path: Path) -> None:
    make_photos(tmp_path / "Pictures", 4)
    with Library.open(tmp_path / "lib.db", device="cpu") as lib:
        lib.add_folder(tmp_path / "Pictures")
        with Indexer.open(lib, "tiny-before") as indexer:
            indexer.index()
        (before,) = lib._store.models()
        # what the store holds after indexing with `tiny-moved` back when it meant `tiny-before`
        lib._store._conn.execute("UPDATE models SET spec = 'tiny-moved'")
    with Library.open(tmp_path / "lib.db", device="cpu") as lib:
        outcome = lib.search(SearchRequest("a red circle", k=3))
        assert outcome.model_id == before.model_id and len(outcome.results) == 3
        assert [m.model_id for m in lib._store.models()] == [before.model_id]  # nothing re-embedded
