"""Image-tower speed on this CPU for every candidate CPU default, float32 and int8, in one run (issue 11).

    python bench/bench_cpu_towers.py [--batch 8] [--runs 3] [--only eva-l-336,eva-b-16,...]

Random weights of the full-size architectures (no downloads): LLM2CLIP's EVA02-L/14-336 and EVA02-B/16 on our
`EvaVisionTower`, and open_clip's own builds of Long-CLIP-B's ViT-B/16 (224 px), the XLM-R preset's ViT-B/32 and
SigLIP 2's ViT-B/16 (224 px, MAP head). Encode only: decoding runs in worker processes beside it, so the
end-to-end photos/s of a preset is lower (README "Performance" relates the two through Long-CLIP-B's measured
2.4 photos/s end to end). int8 is `--device cpu-int8`'s `quantize_int8`.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.results import heading, publish  # noqa: E402
from photosearch.encoders.eva_vit import EvaVisionConfig, EvaVisionTower  # noqa: E402
from photosearch.encoders.int8 import quantize_int8  # noqa: E402

EVA = {
    "eva-l-336": EvaVisionConfig(image_size=336, patch_size=14, width=1024, depth=24, num_heads=16,
                                 mlp_hidden=2730, output_dim=1280),
    "eva-b-16": EvaVisionConfig(image_size=224, patch_size=16, width=768, depth=12, num_heads=12,
                                mlp_hidden=2048, output_dim=1280),
}
OPEN_CLIP = {"vit-b-16 (longclip-b)": "ViT-B-16", "vit-b-32 (xlmr-b32)": "ViT-B-32",
             "siglip2-b-16": "ViT-B-16-SigLIP2"}


def build(name: str) -> tuple[torch.nn.Module, int]:
    if name in EVA:
        return EvaVisionTower(EVA[name]).eval(), EVA[name].image_size
    import open_clip

    cfg = open_clip.get_model_config(OPEN_CLIP[name])
    if "hf_model_name" in cfg.get("text_cfg", {}):  # the text half is irrelevant here and would need the hub
        cfg = {**cfg, "text_cfg": {"width": 512, "heads": 8, "layers": 1}}
    visual = open_clip.model._build_vision_tower(cfg["embed_dim"], cfg["vision_cfg"]).eval()
    size = cfg["vision_cfg"]["image_size"]
    return visual, size if isinstance(size, int) else size[0]


def rate(tower: torch.nn.Module, size: int, batch: int, runs: int) -> float:
    pixels = torch.randn(batch, 3, size, size)
    with torch.inference_mode():
        tower(pixels)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            tower(pixels)
            times.append(time.perf_counter() - start)
    return batch / statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default=",".join([*EVA, *OPEN_CLIP]))
    args = parser.parse_args()
    torch.manual_seed(0)
    lines = [heading("bench_cpu_towers"), "",
             f"image towers, random weights, encode only, batch {args.batch}, median of {args.runs}, "
             f"{torch.get_num_threads()} torch threads, load average before {os.getloadavg()[0]:.1f}", "",
             "| tower | px | params | float32 img/s | int8 img/s |", "|---|---|---|---|---|"]
    for name in args.only.split(","):
        tower, size = build(name)
        params = sum(p.numel() for p in tower.parameters()) / 1e6
        f32 = rate(tower, size, args.batch, args.runs)
        i8 = rate(quantize_int8(tower), size, args.batch, args.runs)
        lines.append(f"| {name} | {size} | {params:.0f}M | {f32:.2f} | {i8:.2f} |")
        print(lines[-1], flush=True)
    publish(lines)


if __name__ == "__main__":
    main()
