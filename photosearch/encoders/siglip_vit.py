"""LLM2CLIP's SigLIP2 So400m/14 vision tower, on timm's `VisionTransformer` (the network the authors use).

The reference (microsoft/LLM2CLIP commit cba3b45, `eva_clip/model_configs/Llama3.1-8B-Siglip2-So-L-14-224.json`
built by `eva_clip/timm_model.py::TimmModel`) is literally timm:

* `timm.create_model("vit_so400m_patch14_siglip_224.v2_webli")`: patch 14, width 1152, 27 blocks, 16 heads,
  mlp_ratio 3.7362 (hidden 4304), no class token, `global_pool="map"` (SigLIP's multi-head attention pooling
  over the patch tokens after the final norm);
* `trunk.reset_classifier(0, global_pool="map")`: the MAP pool stays, the classifier becomes Identity;
* `timm_proj: "none"` is neither "linear" nor "mlp", so `TimmModel.head` is an empty `nn.Sequential`: the
  embedding is the 1152-d MAP output itself, `embed_dim` 1152, no projection;
* preprocessing: eva_clip's `image_transform(224)` with its own defaults, OpenAI CLIP mean/std (not SigLIP's
  0.5/0.5: the factory's `pretrained_cfg` is empty for a local checkpoint), bicubic shorter-side resize, centre crop.

So this module builds the same timm model by the same registered name, overriding only sizes, and those sizes are
read off tensor shapes: width = `pos_embed` width; patch = `patch_embed.proj` kernel; grid = sqrt(`pos_embed`
tokens); depth = number of `blocks.N`; mlp hidden = `blocks.0.mlp.fc1` rows. The head count is in no shape: timm's
SigLIP towers use 16 heads (L, So400m, g) except B (768 wide, 12 heads), and that rule is applied.

Released keys are the `CustomCLIP` state dict: `visual.trunk.<timm name>`; `checkpoint_filter` maps them.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import timm
import torch
from PIL import Image

from photosearch.encoders.base import VisionTower
from photosearch.encoders.checkpoint import load_state_file, require_same_layout
from photosearch.encoders.preprocess import clip_transform

TIMM_MODEL = "vit_so400m_patch14_siglip_224"  # the reference's `vit_so400m_patch14_siglip_224.v2_webli`, untagged
TRUNK_PREFIX = "visual.trunk."  # CustomCLIP.visual (TimmModel).trunk
ADAPTOR_PREFIX = "text.text_proj."  # CustomCLIP.text (LLM2VecTextTransformer).text_proj (TextProj)
LLM_PREFIX = "text.text."  # the LLM2Vec module, if a full state dict was saved; the LLM is loaded separately
_WRAPPER_KEYS = ("model", "module", "state_dict")  # eva_clip `load_state_dict`'s `model|module|state_dict`
_HEADS_BY_WIDTH = {768: 12}  # every other SigLIP width in timm (1024, 1152, 1536) uses 16 heads
DEFAULT_HEADS = 16


@dataclass(frozen=True)
class SiglipVisionConfig:
    image_size: int
    patch_size: int
    width: int
    depth: int
    num_heads: int
    mlp_hidden: int

    @property
    def grid(self) -> int:
        return self.image_size // self.patch_size


class SiglipVisionTower(VisionTower):
    """SigLIP(2) ViT with MAP pooling: pixels -> `width`-d embedding (unnormalised), timm network in `trunk`."""

    def __init__(self, config: SiglipVisionConfig, *, device: torch.device | str | None = None) -> None:
        super().__init__()
        self.config = config
        self.image_size = config.image_size
        self.output_dim = config.width
        self.trunk = timm.create_model(
            TIMM_MODEL,
            pretrained=False,
            num_classes=0,
            global_pool="map",
            img_size=config.image_size,
            patch_size=config.patch_size,
            embed_dim=config.width,
            depth=config.depth,
            num_heads=config.num_heads,
            # timm sizes the MLP as int(width * ratio); the +0.5 lands exactly on the stored width
            mlp_ratio=(config.mlp_hidden + 0.5) / config.width,
            device=device,
        )
        self._transform = clip_transform(config.image_size)

    @property
    def transform(self) -> Callable[[Image.Image], torch.Tensor]:
        return self._transform

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.trunk(pixels)


# -- state dicts ------------------------------------------------------------------------------------------


def is_siglip_state(keys: object) -> bool:
    """True for a released LLM2CLIP SigLIP2 state dict (`visual.trunk.*`, possibly wrapped or `module.`-prefixed)."""
    return any(str(k).startswith((TRUNK_PREFIX, "module." + TRUNK_PREFIX)) for k in keys)  # type: ignore[attr-defined]


def checkpoint_filter(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Released `visual.trunk.<name>` (or bare timm names) -> timm `VisionTransformer` names; other keys dropped."""
    if any(k.startswith(TRUNK_PREFIX) for k in state):
        return {k[len(TRUNK_PREFIX):]: v for k, v in state.items() if k.startswith(TRUNK_PREFIX)}
    return dict(state)


def heads_for_width(width: int) -> int:
    return _HEADS_BY_WIDTH.get(width, DEFAULT_HEADS)


def _need(state: Mapping[str, torch.Tensor], key: str, ndim: int) -> torch.Tensor:
    tensor = state.get(key)
    if not isinstance(tensor, torch.Tensor):
        raise ValueError(f"SigLIP vision state dict is missing `{key}`")
    if tensor.ndim != ndim:
        raise ValueError(f"SigLIP vision state dict: `{key}` should have {ndim} dims, got {tuple(tensor.shape)}")
    return tensor


def infer_siglip_config(trunk_state: Mapping[str, torch.Tensor]) -> SiglipVisionConfig:
    """Sizes from shapes (rules in the module docstring); ValueError naming the key that is missing or odd."""
    pos = _need(trunk_state, "pos_embed", 3)
    width = pos.shape[-1]
    patch_w = _need(trunk_state, "patch_embed.proj.weight", 4)
    if patch_w.shape[0] != width or patch_w.shape[1] != 3 or patch_w.shape[2] != patch_w.shape[3]:
        raise ValueError(f"`patch_embed.proj.weight` has shape {tuple(patch_w.shape)}; expected ({width}, 3, p, p)")
    if "cls_token" in trunk_state:
        raise ValueError("`cls_token` present: a SigLIP tower has no class token (another ViT family?)")
    grid = math.isqrt(pos.shape[1])
    if grid * grid != pos.shape[1]:
        raise ValueError(f"`pos_embed` has shape {tuple(pos.shape)}; expected (1, g*g, {width}) with no class token")
    _need(trunk_state, "attn_pool.latent", 3)  # MAP pooling: without it this is not the released tower
    indices = sorted({int(m.group(1)) for k in trunk_state if (m := re.match(r"^blocks\.(\d+)\.", k))})
    if not indices:
        raise ValueError("SigLIP vision state dict has no `blocks.N.*` keys")
    if indices != list(range(len(indices))):
        gap = sorted(set(range(indices[-1] + 1)) - set(indices))[0]
        raise ValueError(f"SigLIP vision state dict is missing `blocks.{gap}.*` (blocks found: {indices})")
    heads = heads_for_width(width)
    if width % heads:
        raise ValueError(f"cannot split width {width} into {heads} heads")
    return SiglipVisionConfig(
        image_size=grid * patch_w.shape[-1],
        patch_size=patch_w.shape[-1],
        width=width,
        depth=len(indices),
        num_heads=heads,
        mlp_hidden=_need(trunk_state, "blocks.0.mlp.fc1.weight", 2).shape[0],
    )


def load_siglip_vision(state: Mapping[str, torch.Tensor]) -> SiglipVisionTower:
    """Tower from released (`visual.trunk.*`) or timm-named weights, float32 on the CPU; strict, errors name keys."""
    weights = checkpoint_filter(state)
    config = infer_siglip_config(weights)
    tower = SiglipVisionTower(config, device="meta")  # no random init of 400M parameters that would be overwritten
    require_same_layout("SigLIP", tower.trunk.state_dict(), weights, config, show=8)
    tower.trunk.load_state_dict({k: v.float() for k, v in weights.items()}, strict=True, assign=True)
    return tower.float().eval()


def released_state_dict(tower: SiglipVisionTower) -> dict[str, torch.Tensor]:
    """The tower's weights under the released `visual.trunk.` names (float32, CPU): what the reference loads."""
    return {TRUNK_PREFIX + k: v.detach().float().cpu().contiguous() for k, v in tower.trunk.state_dict().items()}


# -- checkpoint file --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiglipCheckpoint:
    """A released LLM2CLIP-SigLIP2 state dict split by owner, prefixes stripped."""

    trunk: dict[str, torch.Tensor]  # timm names
    adaptor: dict[str, torch.Tensor]  # `text_adaptor.*` (TextProj's names)
    logit_scale: float | None
    has_llm: bool  # a full `CustomCLIP` state dict also holds the LLM under `text.text.*` (never used here)


def read_siglip_checkpoint(path: Path) -> SiglipCheckpoint:
    """`.pt` (torch.load weights_only, memory-mapped) or `.safetensors`; the reference loader's wrappers
    (`model|module|state_dict`, first found) and DDP `module.` prefix are accepted, as is `text.logit_scale`."""
    path = Path(path)
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        try:
            obj: object = load_file(str(path))
        except Exception as exc:  # safetensors raises its own error types for a damaged header
            raise ValueError(f"{path} is not a safetensors checkpoint: {exc}") from exc
    else:
        obj = load_state_file(path, "LLM2CLIP SigLIP2")
    if not isinstance(obj, Mapping):
        raise ValueError(f"{path}: expected a state dict, got {type(obj).__name__}")
    for wrapper in _WRAPPER_KEYS:
        if wrapper in obj and isinstance(obj[wrapper], Mapping):
            obj = obj[wrapper]
            break
    state = dict(obj)  # type: ignore[arg-type]
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    if "text.logit_scale" in state and "logit_scale" not in state:
        state["logit_scale"] = state.pop("text.logit_scale")
    trunk = checkpoint_filter({k: v for k, v in state.items() if k.startswith(TRUNK_PREFIX)})
    if not trunk:
        raise ValueError(f"{path}: no `{TRUNK_PREFIX}*` weights; not an LLM2CLIP SigLIP2 checkpoint")
    adaptor = {k[len(ADAPTOR_PREFIX):]: v for k, v in state.items() if k.startswith(ADAPTOR_PREFIX)}
    known = (TRUNK_PREFIX, ADAPTOR_PREFIX, LLM_PREFIX, "visual.head.")
    odd = sorted(k for k in state if not k.startswith(known) and k != "logit_scale")
    if odd:
        raise ValueError(f"{path}: unexpected keys {', '.join(f'`{k}`' for k in odd[:5])}")
    for key, value in {**trunk, **adaptor}.items():
        if not isinstance(value, torch.Tensor):
            raise ValueError(f"{path}: `{key}` is a {type(value).__name__}, not a tensor")
    scale = state.get("logit_scale")
    logit_scale = float(scale) if isinstance(scale, torch.Tensor) and scale.numel() == 1 else None
    return SiglipCheckpoint(trunk, adaptor, logit_scale, any(k.startswith(LLM_PREFIX) for k in state))
