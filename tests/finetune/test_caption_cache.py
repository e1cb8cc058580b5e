"""LLM2CLIP stage 2's caption cache: the stored vectors are the LLM's own, embedded once, kept across runs and
across a kill between its two file writes."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from finetune.caption_cache import CaptionVectors
from photosearch.encoders.llm2vec import load_llm2vec
from tests.tiny.llama import build_tiny_llama

TEXTS = ["A red circle on a blue background.", "Ein grüner Stern oben links.", "左边有一个黄色的三角形。"]


@pytest.fixture(scope="module")
def llm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_llama(tmp_path_factory.mktemp("llm"), hidden_size=64)


def test_cached_vectors_are_what_the_llm_computes_and_are_embedded_once(llm: Path, tmp_path: Path) -> None:
    cache = CaptionVectors.for_llm(tmp_path, llm)
    assert cache.ensure(TEXTS, torch.device("cpu")) == 3
    encoder = load_llm2vec(llm)
    with torch.no_grad():
        online = encoder(encoder.tokenize(TEXTS)).numpy()
    np.testing.assert_allclose(cache(TEXTS).numpy(), online, atol=1e-6)
    # another run over the same folder reads them back and embeds only what is new
    again = CaptionVectors.for_llm(tmp_path, llm)
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return np.ones((len(texts), 64), np.float32)

    assert again.ensure(TEXTS + ["a new caption"], torch.device("cpu"), encode=encode) == 1
    assert calls == [["a new caption"]]
    np.testing.assert_array_equal(again(TEXTS[::-1]).numpy(), cache(TEXTS[::-1]).numpy())


def test_a_kill_between_the_two_writes_keeps_the_vectors_written_before(llm: Path, tmp_path: Path) -> None:
    cache = CaptionVectors.for_llm(tmp_path, llm)
    cache.ensure(TEXTS[:2], torch.device("cpu"))
    first = cache(TEXTS[:2]).numpy().copy()
    # the newer, longer vectors file landed but the texts file did not
    np.save(cache.folder / "vectors.npy", np.concatenate([cache.vectors, np.zeros((5, 64), np.float32)]))
    reopened = CaptionVectors.for_llm(tmp_path, llm)
    assert reopened.missing(TEXTS) == [TEXTS[2]]
    np.testing.assert_array_equal(reopened(TEXTS[:2]).numpy(), first)
    assert not [p for p in os.listdir(cache.folder) if p.endswith(".tmp")]


def test_another_llm_or_precision_gets_its_own_vectors(llm: Path, tmp_path: Path) -> None:
    other = build_tiny_llama(tmp_path / "other", hidden_size=64, seed=5)
    a = CaptionVectors.for_llm(tmp_path / "cache", llm)
    b = CaptionVectors.for_llm(tmp_path / "cache", other)
    c = CaptionVectors.for_llm(tmp_path / "cache", llm, torch.bfloat16)
    assert len({a.folder, b.folder, c.folder}) == 3
