"""LLM2CLIP's EVA02 vision tower (EVA02-CLIP-L-14-336 with sub-LN, SwiGLU and 2-D RoPE), on timm's `Eva`.

Why timm: its `Eva` with `qkv_fused=False, swiglu_mlp=True, scale_mlp=True, scale_attn_inner=True,
use_rot_pos_emb=True, ref_feat_shape=16, global_pool='token'` is the same network as the reference
`EVAVisionTransformer` (LLM2CLIP commit cba3b45, `eva_clip/eva_vit_model.py`) built from
`Llama3.2-1B-EVA02-L-14-336.json`, checked term by term:

* LayerNorm eps 1e-6 everywhere (reference: `partial(LayerNorm, eps=1e-6)`, timm's `LayerNorm` default);
* attention: q/v projections with bias, k without; RoPE on every token but CLS; softmax(q k^T / sqrt(d)) v;
  sub-LN (`inner_attn_ln`) on the merged heads before `proj` (timm `attn.norm`);
* SwiGLU: `w3(ffn_ln(silu(w1 x) * w2 x))` (timm `fc2(norm(silu(fc1_g x) * fc1_x x))`);
* pre-norm residual blocks (postnorm=False), no layer scale, final `norm`, CLS token, `head` Linear;
* RoPE table: interleaved pairs, bands 1/10000^(4k/head_dim), positions arange(g)/g*16 per axis
  ("intp_freq" with pt_hw_seq_len=16), height channels then width channels. The tables timm builds are
  compared with the ones stored in the checkpoint at load time.

timm runs attention through `F.scaled_dot_product_attention` (the reference's GPU path uses xformers'
fused kernel; its CPU fallback is the explicit softmax): the same maths, different rounding only.

Sizes are read off tensor shapes, never from a config file:
  width = cls_token; patch = patch_embed kernel; grid = sqrt(pos_embed tokens - 1); image = grid * patch;
  depth = number of `blocks.N`; mlp hidden = `mlp.w1` rows; output dim = `head` rows;
  head_dim = width of the stored RoPE table (`rope.freqs_cos`), else 64 (every EVA02-CLIP config's head_width);
  pt_hw_seq_len = 16, the reference's rule for every EVA02 config whatever the image or grid size (a tiny
  grid of 6 gets positions 0, 2.67, 5.33, ...), verified against the stored RoPE table when there is one.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Mapping

import torch
from PIL import Image
from timm.layers import LayerNorm
from timm.models.eva import Eva

from photosearch.encoders.base import VisionTower
from photosearch.encoders.checkpoint import load_state_file, require_same_layout
from photosearch.encoders.preprocess import clip_transform

PT_HW_SEQ_LEN = 16  # reference `pt_hw_seq_len`: the RoPE grid EVA02 was pretrained on (224 / 14)
DEFAULT_HEAD_WIDTH = 64  # reference `head_width`, used only when the checkpoint stores no RoPE table
LN_EPS = 1e-6

# Reference block-module names -> timm names (everything else is named the same in both).
_REF_TO_TIMM = {
    "attn.inner_attn_ln": "attn.norm",
    "mlp.w1": "mlp.fc1_g",
    "mlp.w2": "mlp.fc1_x",
    "mlp.ffn_ln": "mlp.norm",
    "mlp.w3": "mlp.fc2",
}
_TIMM_TO_REF = {v: k for k, v in _REF_TO_TIMM.items()}
_BLOCK_KEY = re.compile(r"^blocks\.(\d+)\.(.+)\.(weight|bias)$")
_ROPE_KEY = re.compile(r"^(?:blocks\.\d+\.attn\.)?rope\.freqs_(?:cos|sin)$")
_WRAPPER_KEYS = ("model", "module", "state_dict")  # the reference loader's `model|module|state_dict`, in order


@dataclass(frozen=True)
class EvaVisionConfig:
    """Everything needed to rebuild the tower; all of it is derived from a state dict's shapes."""

    image_size: int
    patch_size: int
    width: int
    depth: int
    num_heads: int
    mlp_hidden: int
    output_dim: int
    pt_hw_seq_len: int = PT_HW_SEQ_LEN

    @property
    def grid(self) -> int:
        return self.image_size // self.patch_size

    @property
    def head_dim(self) -> int:
        return self.width // self.num_heads


class EvaVisionTower(VisionTower):
    """EVA02 image encoder: pixels -> `head` output (unnormalised CLIP embedding).

    The timm network lives in `trunk`, a plain trainable module (`trunk.set_grad_checkpointing()` works).
    """

    def __init__(self, config: EvaVisionConfig, *, device: torch.device | str | None = None) -> None:
        super().__init__()
        self.config = config
        self.image_size = config.image_size
        self.output_dim = config.output_dim
        self.trunk = Eva(
            img_size=config.image_size,
            patch_size=config.patch_size,
            num_classes=config.output_dim,
            global_pool="token",
            embed_dim=config.width,
            depth=config.depth,
            num_heads=config.num_heads,
            qkv_bias=True,
            qkv_fused=False,
            # timm sizes the MLP as int(width * ratio); the +0.5 makes that land exactly on the stored width.
            mlp_ratio=(config.mlp_hidden + 0.5) / config.width,
            swiglu_mlp=True,
            scale_mlp=True,
            scale_attn_inner=True,
            use_rot_pos_emb=True,
            ref_feat_shape=(config.pt_hw_seq_len, config.pt_hw_seq_len),
            norm_layer=partial(LayerNorm, eps=LN_EPS),
            device=device,
        )
        self._transform = clip_transform(config.image_size)  # the reference eval preprocessing is OpenAI CLIP's

    @property
    def transform(self) -> Callable[[Image.Image], torch.Tensor]:
        return self._transform

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.trunk(pixels)

    def rope_tables(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(cos, sin), each (grid*grid, head_dim): the reference's `rope.freqs_cos` / `freqs_sin` layout."""
        embed = self.trunk.rope.get_embed()
        sin, cos = embed.chunk(2, dim=-1)
        return cos, sin


# -- state dicts ------------------------------------------------------------------------------------------


def _ref_to_timm_key(key: str) -> str:
    m = _BLOCK_KEY.match(key)
    if m and m.group(2) in _REF_TO_TIMM:
        return f"blocks.{m.group(1)}.{_REF_TO_TIMM[m.group(2)]}.{m.group(3)}"
    return key


def _timm_to_ref_key(key: str) -> str:
    m = _BLOCK_KEY.match(key)
    if m and m.group(2) in _TIMM_TO_REF:
        return f"blocks.{m.group(1)}.{_TIMM_TO_REF[m.group(2)]}.{m.group(3)}"
    return key


def _need(state: Mapping[str, torch.Tensor], key: str, ndim: int) -> torch.Tensor:
    if key not in state:
        raise ValueError(f"EVA02 vision state dict is missing `{key}`")
    tensor = state[key]
    if not isinstance(tensor, torch.Tensor) or tensor.ndim != ndim:
        shape = tuple(tensor.shape) if isinstance(tensor, torch.Tensor) else type(tensor).__name__
        raise ValueError(f"EVA02 vision state dict: `{key}` should have {ndim} dims, got {shape}")
    return tensor


def _normalise_keys(visual_state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Accepts keys with or without `visual.`, and the legacy EVA-CLIP `attn.q_bias`/`v_bias` names that the
    reference `load_checkpoint` renames to `q_proj.bias`/`v_proj.bias`."""
    state = dict(visual_state)
    if state and all(k.startswith("visual.") for k in state):
        state = {k[len("visual.") :]: v for k, v in state.items()}
    out = {}
    for key, value in state.items():
        for old, new in ((".attn.q_bias", ".attn.q_proj.bias"), (".attn.v_bias", ".attn.v_proj.bias")):
            if key.endswith(old):
                key = key[: -len(old)] + new
        out[key] = value
    return out


def infer_eva_config(visual_state: Mapping[str, torch.Tensor]) -> EvaVisionConfig:
    """Reads every size off the tensors (rules in the module docstring); raises ValueError naming the key
    that is missing or has an impossible shape."""
    state = _normalise_keys(visual_state)
    width = _need(state, "cls_token", 3).shape[-1]
    patch_w = _need(state, "patch_embed.proj.weight", 4)
    if patch_w.shape[0] != width or patch_w.shape[1] != 3 or patch_w.shape[2] != patch_w.shape[3]:
        raise ValueError(f"`patch_embed.proj.weight` has shape {tuple(patch_w.shape)}; expected ({width}, 3, p, p)")
    patch_size = patch_w.shape[-1]
    pos = _need(state, "pos_embed", 3)
    grid = math.isqrt(pos.shape[1] - 1)
    if pos.shape[1] < 2 or grid * grid + 1 != pos.shape[1] or pos.shape[2] != width:
        raise ValueError(f"`pos_embed` has shape {tuple(pos.shape)}; expected (1, 1 + g*g, {width})")

    indices = sorted({int(m.group(1)) for k in state if (m := re.match(r"^blocks\.(\d+)\.", k))})
    if not indices:
        raise ValueError("EVA02 vision state dict has no `blocks.N.*` keys")
    if indices != list(range(len(indices))):
        gaps = sorted(set(range(indices[-1] + 1)) - set(indices))
        raise ValueError(f"EVA02 vision state dict is missing `blocks.{gaps[0]}.*` (blocks found: {indices})")
    depth = len(indices)

    mlp_hidden = _need(state, "blocks.0.mlp.w1.weight", 2).shape[0]
    output_dim = _need(state, "head.weight", 2).shape[0]

    rope = state.get("rope.freqs_cos")
    if rope is not None:
        if rope.ndim != 2 or rope.shape[0] != grid * grid:
            raise ValueError(f"`rope.freqs_cos` has shape {tuple(rope.shape)}; expected ({grid * grid}, head_dim)")
        head_dim = rope.shape[1]
    else:
        head_dim = DEFAULT_HEAD_WIDTH
    if head_dim % 4 or width % head_dim:
        raise ValueError(
            f"cannot split width {width} into heads of {head_dim}"
            + ("" if rope is not None else " (no `rope.freqs_cos` table to read the head width from)")
        )
    return EvaVisionConfig(
        image_size=grid * patch_size,
        patch_size=patch_size,
        width=width,
        depth=depth,
        num_heads=width // head_dim,
        mlp_hidden=mlp_hidden,
        output_dim=output_dim,
    )


def _check_rope(tower: EvaVisionTower, tables: Mapping[str, torch.Tensor]) -> None:
    """The reference recomputes RoPE and ignores stored tables (factory `load_checkpoint` with RoPE=1) while the
    model card's strict `load_state_dict` uses them: both agree only if the stored tables match ours."""
    cos, sin = tower.rope_tables()
    for key, stored in tables.items():
        ours = cos if key.endswith("cos") else sin
        if tuple(stored.shape) != tuple(ours.shape):
            raise ValueError(f"`{key}` has shape {tuple(stored.shape)}; this tower's RoPE is {tuple(ours.shape)}")
        tol = max(1e-5, 4 * torch.finfo(stored.dtype).eps) if stored.is_floating_point() else 1e-5
        diff = (stored.float() - ours.float()).abs().max().item()
        if diff > tol:
            raise ValueError(
                f"`{key}` differs from the RoPE table for pt_hw_seq_len={tower.config.pt_hw_seq_len} "
                f"(max abs diff {diff:.3g}): unsupported RoPE settings"
            )


def load_eva_vision(visual_state: Mapping[str, torch.Tensor]) -> EvaVisionTower:
    """Builds the tower from `visual.*` weights (prefix stripped or not), float32 on the CPU.

    Strict: a missing, unexpected or mis-shaped key is a ValueError naming it (in the reference's names), so a
    checkpoint of another EVA variant never loads half-initialised.
    """
    state = _normalise_keys(visual_state)
    config = infer_eva_config(state)
    rope_tables = {k: v for k, v in state.items() if _ROPE_KEY.match(k)}
    weights = {k: v for k, v in state.items() if k not in rope_tables}

    # Build on the meta device: random init of a 300M-parameter ViT would cost seconds and be overwritten.
    tower = EvaVisionTower(config, device="meta")
    tower.to_empty(device="cpu")
    for module in tower.modules():
        init = getattr(module, "init_non_persistent_buffers", None)
        if callable(init):
            init()

    expected = {_timm_to_ref_key(k): v for k, v in tower.trunk.state_dict().items()}
    require_same_layout("EVA02", expected, weights, config)
    tower.trunk.load_state_dict({_ref_to_timm_key(k): v for k, v in weights.items()}, strict=True)
    _check_rope(tower, rope_tables)
    return tower.float()


def reference_state_dict(tower: EvaVisionTower) -> dict[str, torch.Tensor]:
    """The tower's weights in the released `visual.*` layout and key order (prefix not added), RoPE tables
    included, so a fine-tuned tower can be saved where the reference's strict `load_state_dict` reads it."""
    cos, sin = (t.detach().clone() for t in tower.rope_tables())
    out: dict[str, torch.Tensor] = {}
    for key, value in tower.trunk.state_dict().items():
        ref_key = _timm_to_ref_key(key)
        if ref_key.startswith("blocks.") and "rope.freqs_cos" not in out:
            out["rope.freqs_cos"], out["rope.freqs_sin"] = cos, sin  # the reference registers it before blocks
        out[ref_key] = value.detach().clone()
        if ref_key.endswith(".attn.proj.bias"):  # ...and again inside every attention module that shares it
            prefix = ref_key[: -len("proj.bias")]
            out[prefix + "rope.freqs_cos"], out[prefix + "rope.freqs_sin"] = cos, sin
    return out


# -- checkpoint file --------------------------------------------------------------------------------------


def read_llm2clip_checkpoint(
    path: Path,
) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor], float | None]:
    """Splits a released LLM2CLIP EVA `.pt` into (`visual.*`, `text.*`, logit_scale), prefixes stripped.

    Handles what the reference loader handles: a state dict wrapped under `model`, `module` or `state_dict`
    (first found wins), DDP's `module.` key prefix, and `text.logit_scale`. `logit_scale` is returned as
    stored (the log of the similarity multiplier), None if absent. Tensors stay memory-mapped.
    """
    path = Path(path)
    obj = load_state_file(path, "LLM2CLIP EVA02")
    if not isinstance(obj, Mapping):
        raise ValueError(f"{path}: expected a state dict, got {type(obj).__name__}")
    for wrapper in _WRAPPER_KEYS:
        if wrapper in obj and isinstance(obj[wrapper], Mapping):
            obj = obj[wrapper]
            break
    state = dict(obj)
    if state and all(k.startswith("module.") for k in state):
        state = {k[len("module.") :]: v for k, v in state.items()}
    if "text.logit_scale" in state and "logit_scale" not in state:
        state["logit_scale"] = state.pop("text.logit_scale")

    visual = {k[len("visual.") :]: v for k, v in state.items() if k.startswith("visual.")}
    text = {k[len("text.") :]: v for k, v in state.items() if k.startswith("text.")}
    odd = sorted(k for k in state if not k.startswith(("visual.", "text.")) and k != "logit_scale")
    if odd:
        raise ValueError(f"{path}: unexpected keys {', '.join(f'`{k}`' for k in odd[:5])}")
    if not visual:
        raise ValueError(f"{path}: no `visual.*` weights; not an LLM2CLIP EVA02 checkpoint")
    for key, value in {**visual, **text}.items():
        if not isinstance(value, torch.Tensor):
            raise ValueError(f"{path}: `{key}` is a {type(value).__name__}, not a tensor")
    scale = state.get("logit_scale")
    logit_scale = float(scale) if isinstance(scale, torch.Tensor) and scale.numel() == 1 else None
    return visual, text, logit_scale
