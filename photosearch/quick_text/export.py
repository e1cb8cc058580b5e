"""Export a model's text tower for `QuickText`, where the real tower is at hand (this module imports torch).

Nothing is saved unless the export reproduces the model: the quick tokenizer must give the family tokenizer's
ids and token counts for every text in `CHECK_TEXTS` (cut and uncut, several scripts, emoji, HTML entities,
special-token spellings), and onnxruntime's vectors must equal the float32 tower's to `TOLERANCE`. A family
or tower that cannot pass (another tokenizer layout, an input besides the ids) keeps the torch path.

Cost, measured: ViT-B-32-256's text tower exports in ~3 s on the 2-core machine and takes 254 MB of disk
(float32, as the weights it copies); XLM-R base's takes ~1.1 GB (its 250k-word embedding table).
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np
import torch

from photosearch.hashing import weights_fingerprint
from photosearch.quick_text.runner import (
    FORMAT, GRAPH_FILE, META_FILE, WEIGHTS_FILE, QuickText, has_export, prune_stale, quick_text_folder,
)

if TYPE_CHECKING:
    from photosearch.encoders.base import Encoder, TextTower

log = logging.getLogger(__name__)

TOLERANCE = 1e-4  # max abs difference of unit vectors; measured ~2e-7 on ViT-B-32-256
CHECK_TEXTS = (
    "a photo of a dog on a beach",
    "The kid in the yellow raincoat jumping into a puddle next to a red bicycle, late afternoon. " * 6,
    "Das Kind im gelben Regenmantel springt neben einem roten Fahrrad in eine Pfütze, später Nachmittag",
    "穿黄色雨衣的孩子在红色自行车旁边跳进水坑，傍晚",
    "  Tabs\tand\nnew lines,   CAPITALS, it's 3.14 o'clock & 'quotes' 🚲🌧️ &amp; &lt;b&gt; ",
    "<start_of_text> <|startoftext|> <end_of_text> <|endoftext|> <s> </s> <pad>",
    "Ça coûte 12 €, naïve façade; ÆØÅ æøå; ß; İstanbul; ﬁne print",
    "",
    # Longer than any supported context (Long-CLIP's 248, XLM-R's 512): the graph is traced on this one, so a
    # tower that trims its input to the longest text (Long-CLIP's does) is traced at full length.
    " ".join(f"photo {i} of the lake, the boats and the hills behind them" for i in range(60)),
)


class ExportRefused(Exception):
    """The export would not reproduce the model (the torch path is kept)."""


class _Graph(torch.nn.Module):
    """input_ids -> the tower's raw vectors: the one input every supported family needs."""

    def __init__(self, tower: "TextTower") -> None:
        super().__init__()
        self.tower = tower

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        from photosearch.encoders.base import TokenizedTexts

        return self.tower(TokenizedTexts({"input_ids": input_ids})).float()


def _check_tokens(encoder: "Encoder", quick) -> torch.Tensor:
    batch = encoder.tokenizer(list(CHECK_TEXTS))
    if set(batch.tensors) != {"input_ids"}:
        raise ExportRefused(f"the text tower takes {sorted(batch.tensors)}, not only input_ids")
    ids, info = quick(list(CHECK_TEXTS))
    theirs = batch.tensors["input_ids"].cpu().numpy()
    if theirs.shape != ids.shape or not np.array_equal(theirs, ids):
        bad = next(i for i in range(len(CHECK_TEXTS)) if theirs.shape != ids.shape or not np.array_equal(theirs[i], ids[i]))
        raise ExportRefused(f"the quick tokenizer differs on {CHECK_TEXTS[bad][:40]!r}")
    if info != batch.info:
        raise ExportRefused("the quick tokenizer counts tokens differently")
    return batch.tensors["input_ids"].cpu()


def has_quick_tokenizer(encoder: "Encoder") -> bool:
    return getattr(encoder.tokenizer, "quick_tokenizer", None) is not None


def ensure_export(encoder: "Encoder", announce: Callable[[], None] | None = None) -> Path | None:
    """Make the model's export unless it exists or the family has no quick path; never fails the caller (a
    refusal or a full cache is logged, and queries keep the torch path). `announce` runs before the wait."""
    if has_export(encoder.model_id) or not has_quick_tokenizer(encoder):
        return None
    if announce is not None:
        announce()
    name = encoder.spec or encoder.model_id
    try:
        return export_text(encoder)
    except ExportRefused as e:
        log.info("no quick text queries for %s: %s", name, e)
    except OSError as e:  # a full or read-only cache: the torch path still answers every query
        log.warning("could not save the quick text export of %s: %s", name, e)
    except Exception:  # noqa: BLE001 - the exporter or onnxruntime failing on a tower costs speed, never an index run
        log.warning("could not export the text tower of %s for quick queries", name, exc_info=True)
    return None


def export_text(encoder: "Encoder") -> Path:
    """Write the quick text export of `encoder` (replacing none: a finished folder wins) and return its folder.
    Raises `ExportRefused` when the family has no quick tokenizer or the export does not reproduce the model."""
    make = getattr(encoder.tokenizer, "quick_tokenizer", None)
    quick = make() if make is not None else None
    if quick is None:
        raise ExportRefused(f"{encoder.spec or encoder.model_id} has no quick tokenizer")
    ids = _check_tokens(encoder, quick)
    tower = encoder.float_text_tower()
    graph = _Graph(tower).eval()
    with torch.inference_mode():
        expected = torch.nn.functional.normalize(graph(ids), dim=-1).numpy()
    final = quick_text_folder(encoder.model_id)
    final.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{final.name}.tmp-", dir=final.parent))
    try:
        _write_graph(graph, ids, work)
        quick.save(work)
        files = [str(Path(f).resolve()) for f in encoder.weight_files]
        meta = {"format": FORMAT, "model_id": encoder.model_id, "spec": encoder.spec, "dim": int(expected.shape[1]),
                "weights": files, "fingerprint": weights_fingerprint([Path(f) for f in files]) if files else None}
        (work / META_FILE).write_text(json.dumps(meta))
        got, _ = QuickText(work).encode_texts_with_info(list(CHECK_TEXTS))
        worst = float(np.abs(got - expected).max())
        if not worst <= TOLERANCE:
            raise ExportRefused(f"onnxruntime's vectors differ from the tower's by {worst:.2g}")
        for name in os.listdir(work):
            with open(work / name, "rb") as f:
                os.fsync(f.fileno())
        os.chmod(work, 0o755)
        try:
            work.rename(final)
        except OSError:  # another process finished first: keep its export
            pass
        log.info("quick text export of %s: max difference %.2g, %s", encoder.model_id, worst, final)
        pruned = prune_stale(final.parent)
        if pruned:
            log.info("removed %d quick text exports whose weights are gone", pruned)
        return final
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _write_graph(graph: _Graph, ids: torch.Tensor, folder: Path) -> None:
    import onnx

    raw = folder / "raw.onnx"
    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)  # the fused attention op it may pick has no ONNX export
    try:
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation and tracer notes
            example = ids[[len(CHECK_TEXTS) - 1, 0]]  # the longest text first (see CHECK_TEXTS), then a short one
            torch.onnx.export(graph, (example,), str(raw), dynamo=False, input_names=["input_ids"],
                              output_names=["embedding"], opset_version=17,
                              dynamic_axes={"input_ids": {0: "batch"}, "embedding": {0: "batch"}})
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)
    model = onnx.load(str(raw))
    onnx.save_model(model, str(folder / GRAPH_FILE), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=WEIGHTS_FILE, size_threshold=1024)
    raw.unlink()
