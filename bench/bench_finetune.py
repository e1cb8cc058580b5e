"""LLM2CLIP stage 2: training samples/s with cached caption vectors against running the frozen LLM every step.

    python bench/bench_finetune.py [--vision eva-l-336] [--llm 1b] [--llm-layers N] [--batch 4] [--steps 2]
                                   [--tokens 77] [--device cpu]

Both sides run in one process on the same random-weight towers of the released architectures (EVA02-L/14-336 +
Llama-3.2-1B = `llm2clip-1b`; `--llm 8b` = Llama-3-8B), through the project's own modules: the EVA tower, the
adaptor, `clip_loss`, the layer-decayed AdamW groups of `LLM2CLIPModel.param_groups`, and for the online side the
bidirectional mean-pooled `LLM2VecEncoder` (forward only, no gradient: the LLM is frozen). A step is forward,
backward and the optimizer update over `--batch` photos with one caption of `--tokens` tokens each.

* cached: the caption vectors come from `finetune.caption_cache.CaptionVectors` (what `Stage2Task` reads);
* online: the same captions through the LLM at every step.

An LLM too large for this machine's memory can be measured on `--llm-layers N` of its decoder layers and scaled
to its full depth (every layer costs the same; the embedding lookup and final norm are negligible); the table
says when a figure is scaled. Issue 8's target: cached >= 5x online.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

VISION = {
    # the released LLM2CLIP-EVA02-L-14-336 tower (read off its checkpoint's shapes)
    "eva-l-336": dict(image_size=336, patch_size=14, width=1024, depth=24, num_heads=16, mlp_hidden=2730,
                      output_dim=1280),
    "eva-b-224": dict(image_size=224, patch_size=16, width=768, depth=12, num_heads=12, mlp_hidden=2048,
                      output_dim=1280),
}
LLM = {
    "1b": dict(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
               num_key_value_heads=8, vocab_size=128256),
    "8b": dict(hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
               num_key_value_heads=8, vocab_size=128256),
}


def build(args: argparse.Namespace, work: Path):
    import torch
    from transformers import LlamaConfig, LlamaModel

    from photosearch.encoders.eva_vit import EvaVisionConfig, EvaVisionTower
    from photosearch.encoders.llm2vec import LLM2VecEncoder, load_llm2vec_tokenizer
    from photosearch.encoders.text_adaptor import TextAdaptor
    from photosearch.models.llm2clip import LLM2CLIPModel
    from tests.tiny.llama import build_tiny_llama

    torch.manual_seed(0)
    device = torch.device(args.device)
    vision = EvaVisionTower(EvaVisionConfig(**VISION[args.vision]))
    llm_cfg = dict(LLM[args.llm])
    full_layers = llm_cfg["num_hidden_layers"]
    llm_cfg["num_hidden_layers"] = args.llm_layers or full_layers
    config = LlamaConfig(**llm_cfg, rope_theta=500000.0)
    config._attn_implementation = "sdpa"
    tokenizer_dir = build_tiny_llama(work / "tokenizer", with_weights=False)  # the model needs one; ids are random
    llm = LLM2VecEncoder(LlamaModel(config), load_llm2vec_tokenizer(tokenizer_dir)).eval().requires_grad_(False)
    adaptor = TextAdaptor(llm_cfg["hidden_size"], VISION[args.vision]["output_dim"])
    model = LLM2CLIPModel(vision, None, adaptor, None, work / "vision.pt", tokenizer_dir)
    return model.to(device), llm.to(device), full_layers / llm_cfg["num_hidden_layers"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vision", choices=sorted(VISION), default="eva-l-336")
    parser.add_argument("--llm", choices=sorted(LLM), default="1b")
    parser.add_argument("--llm-layers", type=int, default=0, help="measure this many decoder layers and scale")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--steps", type=int, default=2, help="timed steps per side (after one warm-up step)")
    parser.add_argument("--tokens", type=int, default=77, help="tokens per caption")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "RESULTS.md")
    args = parser.parse_args()

    import torch
    import torch.nn.functional as F

    from finetune.caption_cache import CaptionVectors
    from finetune.losses import clip_loss
    from photosearch.encoders.base import TokenizedTexts

    with tempfile.TemporaryDirectory(prefix="bench-finetune-") as tmp:
        work = Path(tmp)
        model, llm, scale_llm = build(args, work)
        device = torch.device(args.device)
        optimizer = torch.optim.AdamW(model.param_groups(1e-5, 0.05, 0.85), lr=1e-5)
        size = model.image_size
        gen = torch.Generator().manual_seed(1)
        captions = [f"caption {i}" for i in range(args.batch)]
        ids = torch.randint(0, llm.model.config.vocab_size, (args.batch, args.tokens), generator=gen)
        tokens = TokenizedTexts({"input_ids": ids, "attention_mask": torch.ones_like(ids),
                                 "embed_mask": torch.ones_like(ids)}).to(device)
        cache = CaptionVectors(work / "cache")  # random weights on no disk: the bench fills it itself
        with torch.no_grad():
            cache.ensure(captions, device, encode=lambda texts: llm(tokens).float().cpu().numpy())

        def llm_vectors() -> torch.Tensor:
            with torch.no_grad():
                return llm(tokens)

        def train_step(vectors: torch.Tensor) -> None:
            pixels = torch.randn(args.batch, 3, size, size, generator=gen).to(device)
            optimizer.zero_grad(set_to_none=True)
            image = F.normalize(model.encode_image(pixels).float(), dim=-1)
            text = F.normalize(model.adaptor(vectors.to(device)).float(), dim=-1)
            clip_loss(image, text, model.logit_scale.exp()).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            optimizer.step()

        def timed(fn) -> float:
            fn()  # warm-up
            if device.type == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            for _ in range(args.steps):
                fn()
            if device.type == "cuda":
                torch.cuda.synchronize()
            return (time.perf_counter() - start) / args.steps

        model.train()
        cached_s = timed(lambda: train_step(cache(captions)))
        llm_s = timed(llm_vectors) * scale_llm
        if scale_llm == 1:
            online_s = timed(lambda: train_step(llm_vectors()))
        else:  # the measured layers scaled to the full depth, plus the same training step
            online_s = cached_s + llm_s
    cached_rate, online_rate = args.batch / cached_s, args.batch / online_s
    scaled = f" ({args.llm_layers} of {LLM[args.llm]['num_hidden_layers']} layers measured, scaled)" \
        if scale_llm != 1 else ""
    rows = [
        ("cached caption vectors", f"{cached_rate:.3f}", f"{cached_s:.2f}"),
        ("LLM online" + scaled, f"{online_rate:.3f}", f"{online_s:.2f}"),
        ("  of which the LLM forward", "", f"{llm_s:.2f}"),
    ]
    ratio = cached_rate / online_rate
    print(json.dumps({"vision": args.vision, "llm": args.llm, "batch": args.batch, "tokens": args.tokens,
                      "cached_samples_per_s": cached_rate, "online_samples_per_s": online_rate,
                      "ratio": ratio}, indent=2))
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"\n## bench_finetune {stamp}, {platform.node()} ({args.device}, {_cores()} cores)\n",
             f"LLM2CLIP stage 2, {args.vision} + Llama {args.llm}, batch {args.batch}, {args.tokens} tokens a "
             "caption, random weights\n", "| text vectors | samples/s | s/step |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    lines.append(f"\ncached / online: **{ratio:.2f}x** (target 5x)\n")
    print("\n".join(lines))
    with open(args.results, "a") as f:
        f.write("\n".join(lines))


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


if __name__ == "__main__":
    main()
