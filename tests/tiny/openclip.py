"""A tiny random open_clip two-tower model as an open_clip `local-dir:` folder (config + safetensors weights)."""
from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import save_file

CONTEXT = 16
TINY_CFG = {
    "embed_dim": 16,
    "vision_cfg": {"image_size": 32, "layers": 2, "width": 32, "patch_size": 16, "head_width": 16},
    "text_cfg": {"context_length": CONTEXT, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 2},
}


def write_tiny_openclip(folder: Path, seed: int = 0, context_length: int = CONTEXT) -> Path:
    """`folder` with open_clip_config.json and open_clip_model.safetensors; `openclip:local-dir:<folder>` loads it."""
    import open_clip

    cfg = json.loads(json.dumps(TINY_CFG))
    cfg["text_cfg"]["context_length"] = context_length
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "open_clip_config.json").write_text(json.dumps({"model_cfg": cfg}))
    torch.manual_seed(seed)
    model = open_clip.CLIP(**cfg)
    gen = torch.Generator().manual_seed(seed + 1)
    state = {k: (v + 0.02 * torch.randn(v.shape, generator=gen)).contiguous() if v.is_floating_point() else v
             for k, v in model.state_dict().items()}
    save_file(state, str(folder / "open_clip_model.safetensors"))
    return folder
