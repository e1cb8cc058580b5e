"""A tiny LLM2CLIP-SigLIP2 checkpoint in the released layout, with random weights, from shapes alone.

The released file is the `state_dict()` of the reference `CustomCLIP` built from
`Llama3.1-8B-Siglip2-So-L-14-224.json` (without the LLM, which lives in its own repos), so it holds, in this order:
`logit_scale`; `visual.trunk.*` (timm's SigLIP `VisionTransformer`: no class token, MAP pooling `attn_pool.*`, no
head); `text.text_proj.text_adaptor.*` (LLM2CLIP's `TextProj`). This builder does not use photosearch's loader,
so tests check the loader against an independent description. The golden run loaded this builder's output into the
reference model with a strict `load_state_dict` (tests/fixtures/golden/llm2clip_siglip2/HOW_MADE.md).

`adaptor_lora_dir`-style LLM pieces live in tests/tiny/llama.py; the LoRA adapter writer is `write_lora_adapter`.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import save_file


@dataclass(frozen=True)
class TinySiglip:
    width: int = 64
    depth: int = 2
    patch_size: int = 8
    image_size: int = 48
    mlp_ratio: float = 3.7362  # the So400m value; hidden = int(width * ratio)
    llm_dim: int = 32

    @property
    def grid(self) -> int:
        return self.image_size // self.patch_size

    @property
    def mlp_hidden(self) -> int:
        return int(self.width * self.mlp_ratio)


GOLDEN = TinySiglip()  # the sizes of the golden fixture
OTHER = TinySiglip(width=32, depth=3, patch_size=4, image_size=20, llm_dim=24)


def tiny_state_dict(spec: TinySiglip = GOLDEN, seed: int = 1234) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    out: dict[str, torch.Tensor] = {"logit_scale": torch.tensor(math.log(100.0))}

    def linear(prefix: str, out_f: int, in_f: int) -> None:
        out[f"{prefix}.weight"] = torch.randn(out_f, in_f, generator=gen) / math.sqrt(in_f)
        out[f"{prefix}.bias"] = 0.1 * torch.randn(out_f, generator=gen)

    def norm(prefix: str, dim: int) -> None:
        out[f"{prefix}.weight"] = 1.0 + 0.1 * torch.randn(dim, generator=gen)
        out[f"{prefix}.bias"] = 0.1 * torch.randn(dim, generator=gen)

    w, hidden, v = spec.width, spec.mlp_hidden, "visual.trunk"
    out[f"{v}.pos_embed"] = 0.5 * torch.randn(1, spec.grid * spec.grid, w, generator=gen)
    p = spec.patch_size
    out[f"{v}.patch_embed.proj.weight"] = torch.randn(w, 3, p, p, generator=gen) / math.sqrt(3 * p * p)
    out[f"{v}.patch_embed.proj.bias"] = 0.1 * torch.randn(w, generator=gen)
    for i in range(spec.depth):
        b = f"{v}.blocks.{i}"
        norm(f"{b}.norm1", w)
        linear(f"{b}.attn.qkv", 3 * w, w)
        linear(f"{b}.attn.proj", w, w)
        norm(f"{b}.norm2", w)
        linear(f"{b}.mlp.fc1", hidden, w)
        linear(f"{b}.mlp.fc2", w, hidden)
    norm(f"{v}.norm", w)
    out[f"{v}.attn_pool.latent"] = 0.5 * torch.randn(1, 1, w, generator=gen)
    linear(f"{v}.attn_pool.q", w, w)
    linear(f"{v}.attn_pool.kv", 2 * w, w)
    linear(f"{v}.attn_pool.proj", w, w)
    norm(f"{v}.attn_pool.norm", w)
    linear(f"{v}.attn_pool.mlp.fc1", hidden, w)
    linear(f"{v}.attn_pool.mlp.fc2", w, hidden)

    d, a = spec.llm_dim, "text.text_proj.text_adaptor"
    for i in range(4):  # TextProj: 4 residual blocks (fn = Linear(d, 2d), GELU, Dropout, Linear(2d, d); ln)
        linear(f"{a}.{i}.fn.0", 2 * d, d)
        linear(f"{a}.{i}.fn.3", d, 2 * d)
        norm(f"{a}.{i}.ln", d)
    norm(f"{a}.4", d)
    linear(f"{a}.5", w, d)
    return out


def state_digest(state: dict[str, torch.Tensor]) -> str:
    """sha256 over key names, shapes and float32 bytes, in order: pins the builder to what the golden run used."""
    h = hashlib.sha256()
    for key, value in state.items():
        h.update(f"{key}:{tuple(value.shape)};".encode())
        h.update(value.detach().float().contiguous().numpy().tobytes())
    return h.hexdigest()


def write_tiny_checkpoint(path: Path, spec: TinySiglip = GOLDEN, seed: int = 1234, *,
                          safetensors: bool = False) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = tiny_state_dict(spec, seed)
    if safetensors:
        save_file({k: v.contiguous() for k, v in state.items()}, str(path))
    else:
        torch.save(state, path)
    return path


LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def write_lora_adapter(folder: Path, llm_state: dict[str, torch.Tensor], *, r: int = 4, alpha: float = 8.0,
                       seed: int = 5, prefix: str = "base_model.model.", use_rslora: bool = False) -> Path:
    """A peft LoRA adapter folder as peft's `save_pretrained` writes it (adapter_config.json, adapter_model.safetensors)
    for the Llama whose `LlamaModel` weights are `llm_state`: every attention and MLP projection of every layer."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(seed)
    weights: dict[str, torch.Tensor] = {}
    for key, value in llm_state.items():
        module = key[: -len(".weight")] if key.endswith(".weight") else None
        if module is None or module.rsplit(".", 1)[-1] not in LORA_TARGETS:
            continue
        out_f, in_f = value.shape
        weights[f"{prefix}{module}.lora_A.weight"] = torch.randn(r, in_f, generator=gen) / math.sqrt(in_f)
        weights[f"{prefix}{module}.lora_B.weight"] = 0.1 * torch.randn(out_f, r, generator=gen)
    save_file(weights, str(folder / "adapter_model.safetensors"))
    config = {
        "peft_type": "LORA", "task_type": None, "r": r, "lora_alpha": alpha, "lora_dropout": 0.05,
        "target_modules": list(LORA_TARGETS), "bias": "none", "fan_in_fan_out": False, "use_rslora": use_rslora,
        "use_dora": False, "modules_to_save": None, "rank_pattern": {}, "alpha_pattern": {},
        "base_model_name_or_path": "meta-llama/Llama-3.1-8B-Instruct", "inference_mode": True,
    }
    (folder / "adapter_config.json").write_text(json.dumps(config, indent=2))
    return folder
