"""A released peft LoRA adapter, merged into the Llama weights as they are read.

The LLM2CLIP SigLIP2 release ships its text side as Llama-3.1-8B-Instruct plus a LoRA folder
(`LLM2CLIP-Llama-3.1-8B`: `adapter_config.json` and the adapter weights), which the authors' code applies with
`LLM2Vec.from_pretrained(base, peft_path, merge_peft=True)`, i.e. peft's `merge_and_unload`: every target weight
becomes W + scale * B @ A, scale = lora_alpha / r (lora_alpha / sqrt(r) with rsLoRA). Merging while reading
costs no extra memory and leaves a plain `LlamaModel`, so nothing downstream knows a LoRA existed.

Only what peft's plain LoRA merge does is supported; DoRA, per-module rank/alpha patterns, fan-in-fan-out layouts,
trained biases or extra saved modules are refused by name rather than merged wrongly. Weights load as safetensors
or `torch.load(weights_only=True)` (`adapter_model.bin`).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import torch

from photosearch.encoders.checkpoint import load_state_file

ADAPTER_CONFIG = "adapter_config.json"
_WEIGHT_FILES = ("adapter_model.safetensors", "adapter_model.bin")
_KEY = re.compile(r"^(?:base_model\.model\.)?(?:model\.)?(?P<module>.+)\.lora_(?P<ab>[AB])(?:\.[^.]+)?\.weight$")


@dataclass
class LoraAdapter:
    folder: Path
    scale: float
    pairs: dict[str, tuple[torch.Tensor, torch.Tensor]]  # `LlamaModel` weight key -> (A (r, in), B (out, r))
    merged: set[str] = field(default_factory=set)

    def merge(self, key: str, weight: torch.Tensor) -> torch.Tensor:
        """`weight` (as stored) with the LoRA delta added in float32 when `key` is a target, else unchanged."""
        pair = self.pairs.get(key)
        if pair is None:
            return weight
        a, b = pair
        if tuple(weight.shape) != (b.shape[0], a.shape[1]):
            raise ValueError(f"{self.folder}: LoRA for `{key}` is {b.shape[0]}x{a.shape[1]} but the LLM weight is "
                             f"{tuple(weight.shape)}: the adapter belongs to another LLM")
        self.merged.add(key)
        return weight.float() + self.scale * (b.float() @ a.float())

    def check_complete(self) -> None:
        left = sorted(set(self.pairs) - self.merged)
        if left:
            raise ValueError(f"{self.folder}: the LLM has no weight for LoRA targets {left[:4]}: the adapter "
                             "belongs to another LLM")


def find_adapter(folder: Path) -> Path | None:
    """`folder` itself or its one direct subfolder holding `adapter_config.json` (the released repo keeps it in
    `LLM2CLIP-Llama-3.1-8B/`); None when there is none."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    if (folder / ADAPTER_CONFIG).is_file():
        return folder
    found = sorted(p for p in folder.iterdir() if p.is_dir() and (p / ADAPTER_CONFIG).is_file())
    if len(found) > 1:
        raise ValueError(f"{folder} holds several LoRA adapters ({', '.join(p.name for p in found)}): keep one")
    return found[0] if found else None


def read_lora_adapter(folder: Path) -> LoraAdapter:
    folder = Path(folder)
    try:
        config = json.loads((folder / ADAPTER_CONFIG).read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read {folder / ADAPTER_CONFIG}: {exc}") from exc
    if config.get("peft_type", "LORA") != "LORA":
        raise ValueError(f"{folder}: a {config.get('peft_type')} adapter, not LoRA")
    unsupported = [name for name, bad in (
        ("use_dora", bool(config.get("use_dora"))),
        ("fan_in_fan_out", bool(config.get("fan_in_fan_out"))),
        ("bias", config.get("bias", "none") != "none"),
        ("rank_pattern", bool(config.get("rank_pattern"))),
        ("alpha_pattern", bool(config.get("alpha_pattern"))),
        ("modules_to_save", bool(config.get("modules_to_save"))),
    ) if bad]
    if unsupported:
        raise ValueError(f"{folder}: LoRA settings not supported here: {', '.join(unsupported)}")
    r, alpha = int(config["r"]), float(config.get("lora_alpha", config["r"]))
    scale = alpha / math.sqrt(r) if config.get("use_rslora") else alpha / r

    path = next((folder / n for n in _WEIGHT_FILES if (folder / n).is_file()), None)
    if path is None:
        raise FileNotFoundError(f"{folder} has no {' or '.join(_WEIGHT_FILES)}")
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        state = load_file(str(path))
    else:
        state = load_state_file(path, "LoRA adapter")
    halves: dict[str, dict[str, torch.Tensor]] = {}
    for key, value in state.items():
        m = _KEY.match(key)
        if m is None:
            raise ValueError(f"{path}: unexpected key `{key}` (expected `...<module>.lora_A/B.weight`)")
        halves.setdefault(m.group("module") + ".weight", {})[m.group("ab")] = value
    pairs = {}
    for key, ab in halves.items():
        if set(ab) != {"A", "B"} or ab["A"].shape[0] != r or ab["B"].shape[1] != r:
            raise ValueError(f"{path}: `{key}` needs lora_A ({r}, in) and lora_B (out, {r})")
        pairs[key] = (ab["A"], ab["B"])
    if not pairs:
        raise ValueError(f"{path} holds no LoRA weights")
    return LoraAdapter(folder, scale, pairs)
