"""open_clip backend: any open_clip model (built-in name + tag or weights file, `hf-hub:`, `local-dir:`).

This is the baseline family, including the multilingual XLM-R models (e.g. `xlm-roberta-base-ViT-B-32` with
tag `laion5b_s13b_b90k`), so it leans on open_clip for everything model-specific: architecture, checkpoint
conversion, eval transform and tokenizer. Outputs equal open_clip's own `encode_image`/`encode_text`.

Weights are resolved to one local file before anything is built, for two reasons: the model id must name the
exact weights (`openclip:<name>@<weights_fingerprint>`, so re-downloaded or fine-tuned weights never mix in
the store), and a missing file must fail at once with a clear message rather than deep inside a tower build.
Offline mode (`HF_HUB_OFFLINE=1` or `TRANSFORMERS_OFFLINE=1`, read at call time, so setting it after import
works) only ever reads the Hugging Face cache; nothing is downloaded.

Towers: open_clip cannot build one half of a model, so each lazy loader builds the whole model once, keeps
its half and drops the other (it is freed with the temporary model). Image-only use therefore holds only the
vision weights in memory, but pays a transient build of the text half; a query likewise builds and drops the
ViT. Using both halves builds the model twice, once per tower. Exception: models whose image path is more
than `visual` (CoCa) keep the whole model in the vision tower.
"""
from __future__ import annotations

import dataclasses
import difflib
import json
import logging
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch
from PIL import Image

from photosearch.encoders.base import Encoder, TextTower, TokenizedTexts, VisionTower
from photosearch.encoders.checkpoint import describe_unreadable
from photosearch.encoders.device import DevicePlan
from photosearch.encoders.openclip_hub import (
    hub_file, hub_offline, hub_weights, offline_requested, tag_weights,
)
from photosearch.encoders.openclip_tokenizer import OpenClipTokenizer
from photosearch.hashing import weights_fingerprint


log = logging.getLogger(__name__)

MODEL_ID_PREFIX = "openclip:"
HF_HUB_PREFIX = "hf-hub:"
LOCAL_DIR_PREFIX = "local-dir:"
HF_CONFIG_NAME = "open_clip_config.json"
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pth", ".pt")
DEFAULT_CONTEXT_LENGTH = 77  # open_clip's default when text_cfg names none


# -- what to build ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OpenClipSource:
    """Everything needed to rebuild the towers later without resolving (or downloading) anything again."""

    name: str  # as open_clip takes it: built-in name, `hf-hub:org/repo` or `local-dir:/path`
    pretrained: str | None  # local weights file for built-in names; None for schema names
    weight_files: tuple[Path, ...]  # what the model id fingerprints
    model_cfg: dict[str, Any]
    preprocess_overrides: dict[str, Any] = field(default_factory=dict)
    cache_dir: str | None = None
    # A local folder with the HF text model's config and tokenizer (a preset's pinned `text_config` part):
    # open_clip would otherwise fetch them by name at the hub's current `main`, unpinned, and fail offline.
    hf_text_dir: str | None = None

    def _text_cfg(self) -> dict[str, Any]:
        text_cfg = dict(self.model_cfg.get("text_cfg", {}))
        if self.hf_text_dir and "hf_model_name" in text_cfg:
            text_cfg.update(hf_model_name=self.hf_text_dir, hf_tokenizer_name=self.hf_text_dir,
                            hf_model_pretrained=False)  # the checkpoint holds the text weights
        return text_cfg

    @property
    def model_id(self) -> str:
        return f"{MODEL_ID_PREFIX}{self.name}@{weights_fingerprint(list(self.weight_files))}"

    @property
    def embed_dim(self) -> int:
        return int(self.model_cfg["embed_dim"])

    def create_model(self) -> torch.nn.Module:
        import open_clip

        # open_clip randomly initialises before loading (~5 s for a ViT-L on a laptop CPU). Skipping that would
        # need transformers' no_init_weights, which patches torch.nn.init process-wide: a model built in another
        # thread meanwhile (a LoRA being set up for fine-tuning) would get uninitialised weights. Not worth it.
        try:
            with hub_offline(offline_requested()):
                model = open_clip.create_model(
                    self.name,
                    pretrained=self.pretrained,
                    force_preprocess_cfg=self.preprocess_overrides or None,
                    cache_dir=self.cache_dir,
                    weights_only=True,
                    require_pretrained=True,  # resolve_openclip found weights; never fall back to random ones
                    **({"text_cfg": self._text_cfg()} if self.hf_text_dir else {}),
                )
        except pickle.UnpicklingError as exc:  # torch's weights-only refusal is a 10-line essay: say it in one
            weights = self.weight_files[0] if self.weight_files else Path(self.pretrained or self.name)
            raise ValueError(f"{weights} is not an open_clip checkpoint: {describe_unreadable(weights, exc)}") from exc
        return model.eval()

    def create_vision_model(self) -> torch.nn.Module:
        """The model for its image tower, built on the meta device and handed the checkpoint's own tensors
        (`load_state_dict(assign=True)` inside open_clip's `load_checkpoint`, so its conversions all apply).

        Why: `create_model` initialises every weight at random and then copies the checkpoint over them, so an
        image tower cost a whole random model plus the checkpoint in memory. Measured for ViT-B-32-256 on the
        2-core machine (process RSS, 0.77 GB after importing torch and open_clip): peak while building the tower
        1.95 -> 1.36 GB, afterwards 1.46 -> 1.15 GB, and no random initialisation to wait for.
        Models this cannot build exactly (several weight files, big_vision .npz, a tower that keeps buffers
        outside the checkpoint) take `create_model`."""
        import functools

        import open_clip
        from open_clip.factory import load_checkpoint

        if len(self.weight_files) != 1 or self.weight_files[0].suffix in (".npz", ".npy"):
            return self.create_model()
        try:
            with hub_offline(offline_requested()), torch.device("meta"):
                model = open_clip.create_model(
                    self.name, pretrained=None, load_weights=False, device="meta", pretrained_text=False,
                    force_preprocess_cfg=self.preprocess_overrides or None, cache_dir=self.cache_dir,
                    **({"text_cfg": self._text_cfg()} if self.hf_text_dir else {}),
                )
            model.load_state_dict = functools.partial(model.load_state_dict, assign=True)  # type: ignore[method-assign]
            load_checkpoint(model, str(self.weight_files[0]), strict=True, weights_only=True)
            del model.load_state_dict
        except pickle.UnpicklingError as exc:
            weights = self.weight_files[0]
            raise ValueError(f"{weights} is not an open_clip checkpoint: {describe_unreadable(weights, exc)}") from exc
        visual = getattr(model, "visual", None)
        if not _is_two_tower(model) or visual is None or any(
                t.is_meta for t in [*visual.parameters(), *visual.buffers()]):
            return self.create_model()
        return model.eval()

    def create_tokenizer(self) -> Any:
        import open_clip

        if self.hf_text_dir:
            from open_clip.tokenizer import HFTokenizer

            text_cfg = self._text_cfg()
            return HFTokenizer(self.hf_text_dir, context_length=text_cfg.get("context_length", DEFAULT_CONTEXT_LENGTH),
                               tokenizer_mode=text_cfg.get("tokenizer_mode"), **text_cfg.get("tokenizer_kwargs", {}))
        with hub_offline(offline_requested()):
            return open_clip.get_tokenizer(self.name, cache_dir=self.cache_dir)


def resolve_openclip(name: str, pretrained: str | None, cache_dir: str | None = None,
                     hf_text_dir: str | None = None) -> OpenClipSource:
    """Name + tag/file -> local weights and config, or a clear error (unknown name or tag, missing weights)."""
    source = _resolve_openclip(name, pretrained, cache_dir)
    return dataclasses.replace(source, hf_text_dir=hf_text_dir) if hf_text_dir else source


def _resolve_openclip(name: str, pretrained: str | None, cache_dir: str | None) -> OpenClipSource:
    import open_clip
    from open_clip.transform import PreprocessCfg

    offline = offline_requested()
    if name.startswith(HF_HUB_PREFIX):
        repo = name[len(HF_HUB_PREFIX):]
        if not repo:
            raise ValueError("empty repo after 'hf-hub:'")
        if pretrained:
            log.warning("ignoring pretrained=%r: hf-hub:%s brings its own weights", pretrained, repo)
        cfg_path = hub_file(repo, HF_CONFIG_NAME, cache_dir, offline)
        config = json.loads(cfg_path.read_text())
        weights = hub_weights(repo, None, cache_dir, offline)
        return OpenClipSource(name, None, (weights,), config.get("model_cfg", config), cache_dir=cache_dir)

    if name.startswith(LOCAL_DIR_PREFIX):
        folder = Path(name[len(LOCAL_DIR_PREFIX):])
        cfg_path = folder / HF_CONFIG_NAME
        if not cfg_path.is_file():
            raise FileNotFoundError(f"{folder} has no {HF_CONFIG_NAME}: not an open_clip model folder")
        # Fingerprint every weight file: open_clip picks one by a preference order we would otherwise have to
        # mirror, and any change to the folder's weights still changes the id.
        files = tuple(sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in WEIGHT_SUFFIXES))
        if not files:
            raise FileNotFoundError(f"{folder} holds no open_clip weights ({', '.join(WEIGHT_SUFFIXES)})")
        config = json.loads(cfg_path.read_text())
        return OpenClipSource(name, None, files, config.get("model_cfg", config), cache_dir=cache_dir)

    clean = name.replace("/", "-")  # as open_clip.create_model does ("ViT-B/32" -> "ViT-B-32")
    model_cfg = open_clip.get_model_config(clean)
    if model_cfg is None:
        close = difflib.get_close_matches(clean, open_clip.list_models(), n=5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise ValueError(f"unknown open_clip model {name!r}{hint} (open_clip.list_models() lists them all; "
                         "'hf-hub:org/repo' and 'local-dir:/path' load models from elsewhere)")
    tags = open_clip.list_pretrained_tags_by_model(clean)
    if not pretrained:
        raise ValueError(f"open_clip model {clean!r} needs weights: pass a pretrained tag "
                         f"({', '.join(tags) or 'none known'}) or a local weights file")
    tag_cfg = open_clip.get_pretrained_cfg(clean, pretrained)
    if tag_cfg:
        weights = tag_weights(tag_cfg, cache_dir, offline)
        # create_model takes a tag's preprocessing (mean/std, resize mode) only when handed the tag itself;
        # we hand it the resolved file, so the tag's preprocessing travels separately.
        keys = PreprocessCfg.__dataclass_fields__.keys()
        overrides = {k: v for k, v in tag_cfg.items() if k in keys and v is not None}
        if bool(tag_cfg.get("quick_gelu", False)) != bool(model_cfg.get("quick_gelu", False)):
            # open_clip only warns here too; the "-quickgelu" model names are the fix
            log.warning("%s/%s was trained with quick_gelu=%s but the model config says otherwise; "
                        "embeddings will be off (use the '-quickgelu' model name)", clean, pretrained,
                        tag_cfg.get("quick_gelu", False))
        return OpenClipSource(clean, str(weights), (weights,), model_cfg, overrides, cache_dir)
    path = Path(pretrained).expanduser()
    if path.is_file():
        return OpenClipSource(clean, str(path), (path,), model_cfg, cache_dir=cache_dir)
    if path.suffix in WEIGHT_SUFFIXES or os.sep in pretrained:
        raise FileNotFoundError(f"open_clip weights file {path} does not exist")
    raise ValueError(f"{pretrained!r} is neither a pretrained tag of {clean!r} "
                     f"({', '.join(tags) or 'none known'}) nor an existing weights file")


# -- towers ---------------------------------------------------------------------------------------------
def _is_two_tower(model: torch.nn.Module) -> bool:
    """CLIP and CustomTextCLIP encode images with `visual` alone, so the rest can be dropped."""
    import open_clip

    return type(model) in (open_clip.CLIP, open_clip.CustomTextCLIP)


class OpenClipVisionTower(VisionTower):
    """open_clip's image half: `encode_image` without normalisation, and open_clip's eval transform."""

    def __init__(self, model: torch.nn.Module, embed_dim: int) -> None:
        super().__init__()
        import open_clip
        from open_clip.transform import PreprocessCfg, image_transform_v2

        preprocess = open_clip.get_model_preprocess_cfg(model)
        self._transform = image_transform_v2(PreprocessCfg(**preprocess), is_train=False)
        size = preprocess["size"]
        self.image_size = int(size if isinstance(size, int) else max(size))
        self.output_dim = embed_dim
        if _is_two_tower(model):
            self.visual: torch.nn.Module | None = model.visual
            self.model: torch.nn.Module | None = None
        else:  # e.g. CoCa, whose image path also runs attentional pooling: keep the whole model
            self.visual, self.model = None, model

    @property
    def transform(self) -> Callable[[Image.Image], torch.Tensor]:
        return self._transform

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        if self.visual is not None:
            return self.visual(pixels)
        return self.model.encode_image(pixels, normalize=False)


class OpenClipTextTower(TextTower):
    """open_clip's text half: the model with its `visual` removed, calling `encode_text`."""

    def __init__(self, model: torch.nn.Module, embed_dim: int) -> None:
        super().__init__()
        self.output_dim = embed_dim
        model.visual = None  # the ViT is not needed for text and would otherwise stay in memory
        self.model = model

    def forward(self, batch: TokenizedTexts) -> torch.Tensor:
        return self.model.encode_text(batch.tensors["input_ids"], normalize=False)


def _max_text_tokens(model_cfg: dict[str, Any]) -> int | None:
    """Exact for open_clip's own BPE tokenizer (context minus SOT/EOT); None for HF tokenizers, whose special
    tokens only the tokenizer itself knows (the encoder then asks it)."""
    text_cfg = model_cfg.get("text_cfg", {})
    if text_cfg.get("hf_tokenizer_name") or text_cfg.get("tokenizer_mode"):
        return None
    return int(text_cfg.get("context_length", DEFAULT_CONTEXT_LENGTH)) - 2


def _image_size(source: OpenClipSource) -> int:
    """The input size open_clip's eval transform produces, from the configs (no model is built)."""
    size = source.preprocess_overrides.get("size") or source.model_cfg.get("vision_cfg", {}).get("image_size", 224)
    return int(size if isinstance(size, int) else max(size))


# -- entry point ----------------------------------------------------------------------------------------
def load_openclip(
    name: str,
    pretrained: str | None,
    device: DevicePlan | None = None,
    cache_dir: str | None = None,
    hf_text_dir: str | None = None,
) -> Encoder:
    """An `Encoder` over an open_clip model; weights are located now, towers and tokenizer built on first use.

    `name` is a built-in open_clip name (`pretrained` = tag or local file), `hf-hub:org/repo` or
    `local-dir:/path` (`pretrained` ignored). Raises ValueError for unknown names/tags, FileNotFoundError when
    the weights are missing (offline: not in the cache).
    """
    source = resolve_openclip(name, pretrained, cache_dir, hf_text_dir)

    return Encoder(
        model_id=source.model_id,
        dim=source.embed_dim,
        image_size=_image_size(source),
        max_text_tokens=_max_text_tokens(source.model_cfg),
        load_vision=lambda plan: OpenClipVisionTower(source.create_vision_model(), source.embed_dim),
        load_tokenizer=lambda: OpenClipTokenizer(source.create_tokenizer()),
        load_text=lambda plan: OpenClipTextTower(source.create_model(), source.embed_dim),
        device=device,
        weight_files=source.weight_files,
    )
