"""Throughput of the full-size encoder architectures with random weights (no downloads needed).

    python bench/bench_encoders.py [--device cuda] [--batch 64] [--only eva,llm1b]

Prints images/s for the EVA02-L/14-336 vision tower (LLM2CLIP's default) at the given batch, and query
latency of a Llama-3.2-1B-sized LLM2Vec text tower for a short and a 500-token query. Weights are random, so
only speed and memory mean anything here.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.tiny's on-the-spot tokenizer

from photosearch.encoders.device import resolve_device
from photosearch.encoders.eva_vit import EvaVisionConfig, EvaVisionTower

EVA02_L_14_336 = EvaVisionConfig(image_size=336, patch_size=14, width=1024, depth=24, num_heads=16,
                                 mlp_hidden=2730, output_dim=1280)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def bench_eva(plan, batch: int, iters: int) -> None:
    tower = EvaVisionTower(EVA02_L_14_336).place(plan.device, plan.vision_dtype).eval()
    pixels = torch.randn(batch, 3, 336, 336, device=plan.device, dtype=plan.vision_dtype)
    with torch.inference_mode():
        tower(pixels)  # warm-up (kernels, allocator)
        _sync(plan.device)
        start = time.perf_counter()
        for _ in range(iters):
            tower(pixels)
        _sync(plan.device)
    seconds = time.perf_counter() - start
    params = sum(p.numel() for p in tower.parameters()) / 1e6
    print(f"EVA02-L/14-336 ({params:.0f}M params, {plan.vision_dtype}, {plan.device}): "
          f"{batch * iters / seconds:.1f} images/s at batch {batch}")
    if plan.device.type == "cuda":
        print(f"  peak GPU memory {torch.cuda.max_memory_allocated() / 2**30:.2f} GiB")


def bench_llm1b(plan) -> None:
    from transformers import LlamaConfig, LlamaModel

    import tempfile

    from transformers import AutoTokenizer

    from photosearch.encoders.llm2vec import LLM2VecEncoder, LLM2VecTokenizer
    from tests.tiny.llama import build_tiny_llama

    # Llama-3.2-1B's shapes; a small on-the-spot tokenizer stands in for the real one (ids only index rows).
    config = LlamaConfig(hidden_size=2048, intermediate_size=8192, num_hidden_layers=16, num_attention_heads=32,
                         num_key_value_heads=8, vocab_size=128256, max_position_embeddings=131072,
                         rope_theta=500000.0, tie_word_embeddings=True, attn_implementation="sdpa")
    with tempfile.TemporaryDirectory() as tmp:
        build_tiny_llama(tmp, with_weights=False)
        tokenizer = LLM2VecTokenizer(AutoTokenizer.from_pretrained(tmp))
    model = LlamaModel(config).to(plan.device, plan.text_dtype).eval()
    tower = LLM2VecEncoder(model, tokenizer)
    short = "the kid in the yellow raincoat jumping into a puddle next to a red bicycle, late afternoon"
    long = " ".join([short] * 40)
    with torch.inference_mode():
        for label, text in (("short", short), ("~500-token", long)):
            batch = tokenizer([text]).to(plan.device)
            tower(batch)
            _sync(plan.device)
            start = time.perf_counter()
            for _ in range(3):
                tower(batch)
            _sync(plan.device)
            ms = (time.perf_counter() - start) / 3 * 1000
            print(f"LLM2Vec Llama-3.2-1B-size ({plan.text_dtype}, {plan.device}): {label} query "
                  f"({batch.info[0].kept_tokens} tokens) {ms:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default=None)
    parser.add_argument("--batch", type=int, default=None, help="default 64 on CUDA, 8 on CPU")
    parser.add_argument("--iters", type=int, default=None)
    parser.add_argument("--only", default="eva,llm1b")
    args = parser.parse_args()
    plan = resolve_device(args.device)
    cuda = plan.device.type == "cuda"
    only = set(args.only.split(","))
    if "eva" in only:
        bench_eva(plan, args.batch or (64 if cuda else 8), args.iters or (10 if cuda else 2))
    if "llm1b" in only:
        bench_llm1b(plan)


if __name__ == "__main__":
    main()
