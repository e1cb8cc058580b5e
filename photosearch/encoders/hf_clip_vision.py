"""LLM2CLIP's OpenAI-ViT checkpoints in the Hugging Face layout, loaded without their remote code.

`microsoft/LLM2CLIP-Openai-L-14-336`, `-L-14-224` and `-B-16` ship `config.json` + `model.safetensors` for a
custom `LLM2CLIPModel` (`modeling_clip.py`, loaded with `trust_remote_code`). We never execute that code: the
model is an OpenAI CLIP vision tower plus a text adaptor, so we rebuild the vision half on transformers' own
`CLIPVisionModel` and the adaptor on photosearch's `TextAdaptor`, and read the weights by name.

What the key layout rests on. No public copy of the custom `modeling_clip.py`/`configuration_clip.py` was
found, so the layout is inferred from public code that loads the released checkpoints; keep this loader
isolated in this one file, and re-check it against a real download (`safe_open(...).keys()`):

* `vision_model.*` and `visual_projection.weight` (no bias): third-party code freezes `model.vision_model` and
  `model.visual_projection` of the loaded `LLM2CLIPModel` and calls `get_image_features(pixel_values)` for
  1280-d features (e.g. a reproduction repo, crowang1A/Reproducing-and-Enhancing-LLM2CLIP-for-Cross-Modal-
  Artwork-Retrieval; mteb's mteb/models/llm2clip_models.py). These are transformers' own
  `CLIPVisionModelWithProjection` names, which a copy of transformers' CLIP code produces.
* the adaptor at `text_adapter.adaptor.{0..5}`: the same reproduction repo
  (knowledge_injection/finetune_nce_grid.py) copies `model.text_adapter.adaptor[5].weight` as the final
  Linear(4096 -> proj), and evaluation/extraction/extract_eval_finetune.py calls `model.text_adapter` "the full
  LLM2CLIP_Adapter module" that "includes normalize + projection". The inside of each block (`.fn.0`,
  `.fn.3`, `.ln`; 4 blocks, LayerNorm at 4, Linear with bias at 5) is assumed equal to `TextProj` in the
  GitHub repo (microsoft/LLM2CLIP llm2clip/eva_clip/model.py), which the paper's 4096 -> 1280 adaptor and the
  released parameter count (579M for L-14-336 = ViT-L + 4 such blocks) fit. The loader maps
  `text_adapter.adaptor.` -> `text_adaptor.` and loads strictly, so any deviation fails loudly.
* `get_text_features` L2-normalises its input first (the comment quoted above; `TextProj` does the same);
  `TextAdaptor.forward` does too.
* preprocessing: CLIPImageProcessor semantics from `preprocessor_config.json`. mteb and others pair these
  repos with the matching `openai/clip-vit-*` processor, so a repo may ship none; the OpenAI defaults at the
  checkpoint's image size are then used, which is what those OpenAI processor files contain.
"""
from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import torch
from PIL import Image
from safetensors import safe_open
from torch import nn
from torchvision import transforms as T
from torchvision.transforms import functional as TF
from transformers import CLIPVisionConfig, CLIPVisionModel

from photosearch.encoders.base import VisionTower
from photosearch.encoders.preprocess import OPENAI_CLIP_MEAN, OPENAI_CLIP_STD
from photosearch.encoders.text_adaptor import TextAdaptor

log = logging.getLogger(__name__)


VISION_PREFIX = "vision_model."
PROJECTION_KEY = "visual_projection.weight"
# First match wins. The released layout is the first; the others are the GitHub (eva_clip) spellings, so a
# state dict converted from the training code also loads.
ADAPTOR_PREFIXES = ("text_adapter.adaptor.", "text.text_adaptor.", "text_adaptor.")
# Present in a full LLM2CLIPModel state dict but irrelevant to search: the CLIP text tower is unused.
IGNORED_PREFIXES = ("text_model.", "text_projection.", "logit_scale", "logit_bias")
# Older transformers saved this buffer; current CLIP rebuilds it.
STALE_BUFFERS = ("vision_model.embeddings.position_ids",)

# Only architecture fields are taken from config.json: legacy generation/tokenizer fields in old configs
# mean nothing to a vision tower.
_VISION_FIELDS = (
    "hidden_size",
    "intermediate_size",
    "num_hidden_layers",
    "num_attention_heads",
    "num_channels",
    "image_size",
    "patch_size",
    "hidden_act",
    "layer_norm_eps",
    "attention_dropout",
)

_PIL_RESAMPLE = {
    0: T.InterpolationMode.NEAREST,
    1: T.InterpolationMode.LANCZOS,
    2: T.InterpolationMode.BILINEAR,
    3: T.InterpolationMode.BICUBIC,
    4: T.InterpolationMode.BOX,
    5: T.InterpolationMode.HAMMING,
}


# -- checkpoint access ------------------------------------------------------------------------------------
class _Checkpoint:
    """Name -> tensor access over one or several safetensors files, reading only the tensors asked for.

    Lazy reads matter: the adaptor is ~270M parameters that image indexing never needs.
    """

    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir
        index = model_dir / "model.safetensors.index.json"
        single = model_dir / "model.safetensors"
        if index.is_file():
            weight_map: dict[str, str] = json.loads(index.read_text())["weight_map"]
            self.key_to_file = {k: model_dir / f for k, f in weight_map.items()}
        elif single.is_file():
            with safe_open(str(single), framework="pt") as f:
                self.key_to_file = {k: single for k in f.keys()}
        else:
            raise FileNotFoundError(
                f"{model_dir} holds no model.safetensors (or model.safetensors.index.json); "
                "download the LLM2CLIP repo's safetensors weights into it"
            )

    @property
    def files(self) -> list[Path]:
        return sorted(set(self.key_to_file.values()))

    def keys(self) -> list[str]:
        return list(self.key_to_file)

    def shapes(self, keys: Iterable[str]) -> dict[str, tuple[int, ...]]:
        """Tensor shapes from the safetensors headers, without reading any data."""
        by_file: dict[Path, list[str]] = {}
        for k in keys:
            by_file.setdefault(self.key_to_file[k], []).append(k)
        out: dict[str, tuple[int, ...]] = {}
        for path, names in by_file.items():
            with safe_open(str(path), framework="pt") as f:
                for k in names:
                    out[k] = tuple(f.get_slice(k).get_shape())
        return out

    def read(self, keys: Iterable[str]) -> dict[str, torch.Tensor]:
        by_file: dict[Path, list[str]] = {}
        for k in keys:
            by_file.setdefault(self.key_to_file[k], []).append(k)
        out: dict[str, torch.Tensor] = {}
        for path, names in by_file.items():
            with safe_open(str(path), framework="pt") as f:
                for k in names:
                    out[k] = f.get_tensor(k)
        return out


def weight_files(model_dir: Path) -> list[Path]:
    """The weight files of a checkpoint directory, for `weights_fingerprint` (the model id)."""
    return _Checkpoint(Path(model_dir)).files


def _read_config(model_dir: Path) -> dict[str, Any]:
    path = model_dir / "config.json"
    if not path.is_file():
        raise FileNotFoundError(f"{model_dir} has no config.json: not an LLM2CLIP Hugging Face checkpoint")
    return json.loads(path.read_text())


# -- preprocessing ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClipPreprocess:
    """The fields of a CLIPImageProcessor `preprocessor_config.json` that change pixels."""

    resize: tuple[str, int, int] | None  # ("shortest_edge", n, n) or ("exact", height, width)
    crop: tuple[int, int] | None  # (height, width)
    resample: int
    rescale_factor: float | None
    mean: tuple[float, ...] | None
    std: tuple[float, ...] | None

    @classmethod
    def openai_default(cls, image_size: int) -> "ClipPreprocess":
        return cls(("shortest_edge", image_size, image_size), (image_size, image_size), 3, 1 / 255,
                   OPENAI_CLIP_MEAN, OPENAI_CLIP_STD)

    @classmethod
    def from_config(cls, cfg: dict[str, Any]) -> "ClipPreprocess":
        """Read as CLIPImageProcessor does; its class defaults fill fields the file leaves out."""
        resize: tuple[str, int, int] | None = None
        if cfg.get("do_resize", True):
            size = cfg.get("size", {"shortest_edge": 224})
            if isinstance(size, int):  # old files: an int means the shortest edge (default_to_square=False)
                resize = ("shortest_edge", size, size)
            elif "shortest_edge" in size:
                if size.get("longest_edge"):
                    raise ValueError(f"preprocessor size {size}: longest_edge is not supported")
                resize = ("shortest_edge", int(size["shortest_edge"]), int(size["shortest_edge"]))
            elif "height" in size and "width" in size:
                resize = ("exact", int(size["height"]), int(size["width"]))
            else:
                raise ValueError(f"preprocessor size {size} is not a CLIPImageProcessor size")
        crop: tuple[int, int] | None = None
        if cfg.get("do_center_crop", True):
            crop_size = cfg.get("crop_size", {"height": 224, "width": 224})
            if isinstance(crop_size, int):
                crop = (crop_size, crop_size)
            else:
                crop = (int(crop_size["height"]), int(crop_size["width"]))
        resample = int(cfg.get("resample", 3))
        if resample not in _PIL_RESAMPLE:
            raise ValueError(f"preprocessor resample={resample} is not a PIL resampling filter")
        rescale = float(cfg.get("rescale_factor", 1 / 255)) if cfg.get("do_rescale", True) else None
        mean = std = None
        if cfg.get("do_normalize", True):
            mean = tuple(float(x) for x in cfg.get("image_mean", OPENAI_CLIP_MEAN))
            std = tuple(float(x) for x in cfg.get("image_std", OPENAI_CLIP_STD))
        return cls(resize, crop, resample, rescale, mean, std)

    @property
    def output_size(self) -> int | None:
        if self.crop is not None:
            return self.crop[0]
        if self.resize is not None and self.resize[0] == "exact":
            return self.resize[1]
        return None

    def build(self) -> Callable[[Image.Image], torch.Tensor]:
        steps: list[Callable[..., Any]] = [_ToRGB()]
        interpolation = _PIL_RESAMPLE[self.resample]
        if self.resize is not None:
            kind, a, b = self.resize
            steps.append(T.Resize(a if kind == "shortest_edge" else (a, b), interpolation=interpolation))
        if self.crop is not None:
            steps.append(FloorCenterCrop(*self.crop))
        steps.append(_ToFloat(self.rescale_factor))
        if self.mean is not None and self.std is not None:
            steps.append(T.Normalize(self.mean, self.std))
        return T.Compose(steps)


class _ToRGB:
    """Mirror of `do_convert_rgb`; picklable (a lambda would not be)."""

    def __call__(self, img: Image.Image) -> Image.Image:
        return img if img.mode == "RGB" else img.convert("RGB")


class _ToFloat:
    """uint8 HWC PIL -> float CHW tensor times the rescale factor (or unscaled when rescaling is off)."""

    def __init__(self, factor: float | None) -> None:
        self.factor = factor

    def __call__(self, img: Image.Image) -> torch.Tensor:
        x = TF.pil_to_tensor(img).to(torch.float32)
        return x * self.factor if self.factor is not None else x


class FloorCenterCrop:
    """Center crop with CLIPImageProcessor's offsets.

    torchvision's CenterCrop rounds the offset ((h - ch) / 2, half-to-even) while transformers floors it, so
    on odd margins the two crops differ by one pixel; this one floors. Too-small images are zero-padded first,
    split the way transformers splits the padding.
    """

    def __init__(self, height: int, width: int) -> None:
        self.height = height
        self.width = width

    def __call__(self, img: Image.Image) -> Image.Image:
        w, h = img.size
        if self.width > w or self.height > h:
            pad_w, pad_h = max(self.width - w, 0), max(self.height - h, 0)
            img = TF.pad(img, [pad_w // 2, pad_h // 2, (pad_w + 1) // 2, (pad_h + 1) // 2], fill=0)
            w, h = img.size
        top, left = (h - self.height) // 2, (w - self.width) // 2
        return img.crop((left, top, left + self.width, top + self.height))


def _read_preprocess(model_dir: Path, image_size: int) -> ClipPreprocess:
    path = model_dir / "preprocessor_config.json"
    if not path.is_file():
        log.info("%s has no preprocessor_config.json; using OpenAI CLIP preprocessing at %d px", model_dir,
                 image_size)
        return ClipPreprocess.openai_default(image_size)
    pre = ClipPreprocess.from_config(json.loads(path.read_text()))
    if pre.output_size is not None and pre.output_size != image_size:
        raise ValueError(
            f"{path} crops to {pre.output_size} px but the vision tower was trained at {image_size} px"
        )
    return pre


# -- vision tower ---------------------------------------------------------------------------------------
class HFCLIPVisionTower(VisionTower):
    """transformers' CLIP ViT + LLM2CLIP's visual projection: pooled CLS -> 1280-d (CLIP's get_image_features)."""

    def __init__(self, clip: CLIPVisionModel, visual_projection: nn.Linear, preprocess: ClipPreprocess) -> None:
        super().__init__()
        self.clip = clip
        self.visual_projection = visual_projection
        self.image_size = int(clip.config.image_size)
        self.output_dim = int(visual_projection.out_features)
        self.preprocess = preprocess
        self._transform = preprocess.build()

    @property
    def transform(self) -> Callable[[Image.Image], torch.Tensor]:
        return self._transform

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        pooled = self.clip(pixel_values=pixels).pooler_output
        return self.visual_projection(pooled)

    @classmethod
    def from_checkpoint_state(
        cls, config: CLIPVisionConfig, state: dict[str, torch.Tensor], preprocess: ClipPreprocess
    ) -> "HFCLIPVisionTower":
        """Build from `vision_model.*` + `visual_projection.weight`; any missing, extra or misshapen key fails.

        transformers' own loading maps the `vision_model.` names and builds on the meta device, so the ViT
        skips a random init that would be thrown away (~15 s for a ViT-L on a laptop CPU).
        """
        clip_state = {k: v for k, v in state.items() if k.startswith(VISION_PREFIX)}
        clip, info = CLIPVisionModel.from_pretrained(
            None, config=config, state_dict=clip_state, dtype=torch.float32, output_loading_info=True
        )
        problems = {kind: sorted(map(str, info.get(kind) or [])) for kind in
                    ("missing_keys", "unexpected_keys", "mismatched_keys")}
        problems = {k: v for k, v in problems.items() if v}
        if problems:
            raise ValueError(f"LLM2CLIP vision weights do not fit a CLIP ViT built from config.json: {problems}")
        weight = state[PROJECTION_KEY]
        projection = nn.Linear(weight.shape[1], weight.shape[0], bias=False)
        projection.load_state_dict({"weight": weight}, strict=True)
        return cls(clip, projection, preprocess)


def _vision_config(config: dict[str, Any], state_shapes: dict[str, tuple[int, ...]]) -> tuple[CLIPVisionConfig, int]:
    """config.json's vision_config, checked against the tensors (the tensors decide what is missing)."""
    raw = config.get("vision_config")
    if not isinstance(raw, dict):
        raise ValueError("config.json has no vision_config: not an LLM2CLIP OpenAI-ViT checkpoint")
    patch = state_shapes[VISION_PREFIX + "embeddings.patch_embedding.weight"]
    n_pos = state_shapes[VISION_PREFIX + "embeddings.position_embedding.weight"][0]
    grid = math.isqrt(n_pos - 1)
    layers = {int(k.split(".")[3]) for k in state_shapes if k.startswith(VISION_PREFIX + "encoder.layers.")}
    from_tensors: dict[str, Any] = {
        "hidden_size": patch[0],
        "num_channels": patch[1],
        "patch_size": patch[2],
        "image_size": grid * patch[2],
        "num_hidden_layers": len(layers),
        "intermediate_size": state_shapes[VISION_PREFIX + "encoder.layers.0.mlp.fc1.weight"][0],
    }
    if grid * grid != n_pos - 1:
        raise ValueError(f"position embedding has {n_pos} rows: not 1 + a square patch grid")
    fields = {k: raw[k] for k in _VISION_FIELDS if k in raw}
    for k, v in from_tensors.items():
        if k in fields and int(fields[k]) != int(v):
            raise ValueError(f"config.json vision_config.{k}={fields[k]} but the weights say {v}")
        fields[k] = int(v)
    fields.setdefault("num_attention_heads", fields["hidden_size"] // 64)  # OpenAI ViTs use 64-d heads
    if fields["hidden_size"] % fields["num_attention_heads"]:
        raise ValueError(f"hidden_size {fields['hidden_size']} is not divisible by "
                         f"num_attention_heads {fields['num_attention_heads']}")

    proj_rows, proj_cols = state_shapes[PROJECTION_KEY]
    if proj_cols != fields["hidden_size"]:
        raise ValueError(f"visual_projection expects {proj_cols}-d input, the ViT is {fields['hidden_size']}-d")
    declared = config.get("projection_dim")
    if declared is not None and int(declared) != proj_rows:
        raise ValueError(f"config.json projection_dim={declared} but visual_projection outputs {proj_rows}")
    return CLIPVisionConfig(**fields, projection_dim=proj_rows), proj_rows


# -- public loaders ---------------------------------------------------------------------------------------
def load_hf_llm2clip_vision(model_dir: Path) -> tuple[HFCLIPVisionTower, dict[str, Any]]:
    """Vision tower only: reads `vision_model.*` and the projection, never the adaptor's tensors."""
    model_dir = Path(model_dir)
    config = _read_config(model_dir)
    ckpt = _Checkpoint(model_dir)
    keys = [k for k in ckpt.keys() if k.startswith(VISION_PREFIX) and k not in STALE_BUFFERS]
    required = [VISION_PREFIX + "embeddings.patch_embedding.weight",
                VISION_PREFIX + "embeddings.position_embedding.weight",
                VISION_PREFIX + "encoder.layers.0.mlp.fc1.weight", PROJECTION_KEY]
    missing = [k for k in required if k not in ckpt.key_to_file]
    if missing:
        raise KeyError(f"{model_dir}: missing vision weights {missing} (expected the LLM2CLIP HF layout: "
                       f"'{VISION_PREFIX}*' and '{PROJECTION_KEY}')")
    state = ckpt.read(keys + [PROJECTION_KEY])
    vcfg, _ = _vision_config(config, {k: tuple(v.shape) for k, v in state.items()})
    tower = HFCLIPVisionTower.from_checkpoint_state(vcfg, state, _read_preprocess(model_dir, int(vcfg.image_size)))
    return tower.eval(), config


def adaptor_state(keys: Iterable[str]) -> tuple[str, list[str]]:
    """Which adaptor spelling a checkpoint uses, and its keys under it."""
    keys = list(keys)
    for prefix in ADAPTOR_PREFIXES:
        found = [k for k in keys if k.startswith(prefix)]
        if found:
            return prefix, found
    raise KeyError(f"no text adaptor weights: expected keys under one of {list(ADAPTOR_PREFIXES)}")


def hf_llm2clip_sizes(model_dir: Path) -> tuple[int, int, int]:
    """(image size, adaptor input width, adaptor output width) from headers alone: what an encoder must know
    before any tower loads."""
    ckpt = _Checkpoint(Path(model_dir))
    pos, patch = (VISION_PREFIX + "embeddings.position_embedding.weight",
                  VISION_PREFIX + "embeddings.patch_embedding.weight")
    if pos not in ckpt.key_to_file or patch not in ckpt.key_to_file:
        raise KeyError(f"{model_dir}: missing vision weights (expected the LLM2CLIP HF layout: '{VISION_PREFIX}*')")
    try:
        prefix, keys = adaptor_state(ckpt.keys())
    except KeyError as e:
        raise KeyError(f"{model_dir}: {e.args[0]}") from None
    shapes = ckpt.shapes([pos, patch, *keys])
    grid = math.isqrt(shapes[pos][0] - 1)
    llm_dim, output_dim, _, _ = TextAdaptor.sizes(
        {"text_adaptor." + k[len(prefix):]: v for k, v in shapes.items() if k.startswith(prefix)}
    )
    return grid * shapes[patch][2], llm_dim, output_dim


def read_logit_scale(model_dir: Path) -> float | None:
    """The stored `logit_scale` (log of the similarity multiplier), None when the checkpoint has none."""
    ckpt = _Checkpoint(Path(model_dir))
    if "logit_scale" not in ckpt.key_to_file:
        return None
    value = ckpt.read(["logit_scale"])["logit_scale"]
    return float(value) if value.numel() == 1 else None


def load_hf_llm2clip_adaptor(model_dir: Path) -> TextAdaptor:
    """Text adaptor only (LLM sentence vector -> CLIP space), loaded strictly into `TextAdaptor`."""
    model_dir = Path(model_dir)
    ckpt = _Checkpoint(model_dir)
    try:
        prefix, keys = adaptor_state(ckpt.keys())
    except KeyError as e:
        raise KeyError(f"{model_dir}: {e.args[0]}") from None
    state = {"text_adaptor." + k[len(prefix):]: v for k, v in ckpt.read(keys).items()}
    try:
        # Sizes and the strict key check come from TextAdaptor itself; building on the meta device and then
        # adopting the checkpoint tensors skips ~270M random initialisations (seconds on a CPU).
        with torch.device("meta"):
            adaptor = TextAdaptor.from_state_dict({k: torch.empty_like(v, device="meta") for k, v in state.items()})
        adaptor.load_state_dict({k: v.float() for k, v in state.items()}, strict=True, assign=True)
        return adaptor.eval()
    except (KeyError, RuntimeError, IndexError) as e:
        raise ValueError(f"{model_dir}: adaptor weights under '{prefix}' do not match LLM2CLIP's adaptor "
                         f"(residual MLP blocks .fn.0/.fn.3/.ln, then LayerNorm and Linear): {e}") from e


def load_hf_llm2clip(model_dir: Path) -> tuple[HFCLIPVisionTower, TextAdaptor, dict[str, Any]]:
    """Both halves of an LLM2CLIP HF checkpoint plus its config.json; every vision and adaptor key is used.

    Prefer the two single-half loaders where only one half is needed (indexing needs no adaptor).
    """
    model_dir = Path(model_dir)
    tower, config = load_hf_llm2clip_vision(model_dir)
    adaptor = load_hf_llm2clip_adaptor(model_dir)
    if adaptor.output_dim != tower.output_dim:
        raise ValueError(f"adaptor outputs {adaptor.output_dim}-d but images embed to {tower.output_dim}-d")
    _warn_unused(_Checkpoint(model_dir).keys(), model_dir)
    return tower, adaptor, config


def _warn_unused(keys: Iterable[str], model_dir: Path) -> None:
    """Keys no loader consumed and no rule ignores point at a layout we do not know."""
    keys = list(keys)
    prefix, _ = adaptor_state(keys)
    unknown = [
        k for k in keys
        if not k.startswith((VISION_PREFIX, prefix, *IGNORED_PREFIXES)) and k != PROJECTION_KEY
    ]
    if unknown:
        log.warning("%s: %d checkpoint tensors are not used: %s", model_dir, len(unknown), unknown[:10])
