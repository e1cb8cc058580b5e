"""LLM caption vectors computed once and kept on disk: LLM2CLIP stage 2's key to its batch size.

Stage 2 freezes the LLM, so a caption's LLM2Vec vector never changes during training; the authors embed every
caption once and train the vision tower and the adaptor on the stored vectors, which frees the GPU memory and
time the LLM would take (bench/bench_finetune.py measures the difference). Vectors are what the search text
path computes before the adaptor: no instruction, mean-pooled, float32, not normalised (the adaptor
L2-normalises its input itself).

A cache folder holds one sub-folder per (LLM weights, precision): `vectors.npy` (float32 rows) and `texts.json`
(the sha256 of each row's caption). New captions are appended by rewriting both files atomically, so a run
killed while embedding keeps what was stored before and a second run only embeds what is missing.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from photosearch.encoders.llm2clip import _weight_files
from photosearch.hashing import weights_fingerprint
from photosearch.progress import Phase, Progress, ProgressCallback, Unit

BATCH = 32


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class CaptionVectors:
    """Vectors of captions in one cache folder (one LLM at one precision: see `for_llm`)."""

    def __init__(self, folder: Path, llm_dir: Path | None = None, dtype: torch.dtype = torch.float32) -> None:
        self.folder = Path(folder)
        self.llm_dir = Path(llm_dir) if llm_dir is not None else None
        self.dtype = dtype
        self.rows: dict[str, int] = {}
        self.vectors = np.zeros((0, 0), np.float32)
        if (self.folder / "texts.json").is_file() and (self.folder / "vectors.npy").is_file():
            keys = json.loads((self.folder / "texts.json").read_text())
            vectors = np.load(self.folder / "vectors.npy")
            if len(vectors) >= len(keys):  # more rows: killed between the two renames; the prefix is whole
                self.rows = {k: i for i, k in enumerate(keys)}
                self.vectors = vectors[:len(keys)]

    @classmethod
    def for_llm(cls, root: Path, llm_dir: Path, dtype: torch.dtype = torch.float32) -> "CaptionVectors":
        """The vectors of the LLM in `llm_dir` at `dtype`, in a sub-folder of `root` named after its weights."""
        fingerprint = weights_fingerprint(_weight_files(Path(llm_dir)))
        return cls(Path(root) / f"{fingerprint}-{str(dtype).removeprefix('torch.')}", llm_dir, dtype)

    def missing(self, texts: Sequence[str]) -> list[str]:
        return [t for t in dict.fromkeys(texts) if _key(t) not in self.rows]

    def ensure(self, texts: Sequence[str], device: torch.device, progress: ProgressCallback | None = None,
               encode: Callable[[list[str]], np.ndarray] | None = None) -> int:
        """Embed and store every caption not in the cache yet; returns how many were embedded. `encode`
        replaces loading the LLM (for tests and benchmarks that already hold it)."""
        todo = self.missing(texts)
        if not todo:
            return 0
        if encode is None:
            if self.llm_dir is None:
                raise ValueError("this cache has no LLM to embed captions with; pass `encode`")
            encode = self._llm_encoder(device)
        done: list[np.ndarray] = []
        for start in range(0, len(todo), BATCH):
            done.append(encode(todo[start:start + BATCH]))
            if progress:
                progress(Progress(Phase.PREPARE, min(start + BATCH, len(todo)), len(todo), Unit.CAPTIONS))
        fresh = np.concatenate(done).astype(np.float32)
        self.vectors = fresh if not self.rows else np.concatenate([self.vectors, fresh])
        for text in todo:
            self.rows[_key(text)] = len(self.rows)
        self._write()
        return len(todo)

    def _llm_encoder(self, device: torch.device) -> Callable[[list[str]], np.ndarray]:
        from photosearch.encoders.llm2vec import load_llm2vec

        llm = load_llm2vec(self.llm_dir, dtype=self.dtype).to(device)

        def encode(texts: list[str]) -> np.ndarray:
            with torch.no_grad():
                return llm(llm.tokenize(texts).to(device)).float().cpu().numpy()

        return encode

    def _write(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.rows, key=self.rows.__getitem__)
        pid = os.getpid()
        with open(self.folder / f"vectors.{pid}.tmp", "wb") as f:
            np.save(f, self.vectors)
        (self.folder / f"texts.{pid}.tmp").write_text(json.dumps(keys))
        # vectors first: a kill between the two renames leaves more rows than keys, which `__init__` discards
        os.replace(self.folder / f"vectors.{pid}.tmp", self.folder / "vectors.npy")
        os.replace(self.folder / f"texts.{pid}.tmp", self.folder / "texts.json")

    def __call__(self, texts: Sequence[str]) -> torch.Tensor:
        """(len(texts), llm width) float32 vectors of cached captions."""
        return torch.from_numpy(self.vectors[[self.rows[_key(t)] for t in texts]])
