"""Peak RAM while loading an LLM2CLIP text tower: a Llama-3.2-1B-sized LLM (random weights) from bf16 safetensors.

    python bench/bench_llm_load.py [--layers 16] [--keep DIR]

Target (issue 6): loading straight into the run dtype (bf16, what a GPU runs) peaks at no more than 1.3x the size
of the weights. Each load runs in a fresh process, which reports how far its peak RSS (VmHWM) rose above the
RSS it had before loading (imports done). Both sides in one run:

* `ours`: `photosearch.encoders.llm2vec.load_llm2vec(dtype=...)`, tensor by tensor through `pread`;
* `before`: the previous loader: safetensors' `load_file` (memory-mapped), every tensor cast to float32 (its only
  dtype), then the tower cast to the run dtype by `place()`.

float32 (the CPU plan) needs 2x the bf16 file by definition; it is printed for reference.
"""
from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests.tiny writes the LLM folder layout (config, tokenizer)

LLAMA_1B = dict(hidden_size=2048, intermediate_size=8192, num_heads=32, num_kv_heads=8)
VOCAB_1B = 128256


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status (Linux only)")


def child(method: str, folder: str, dtype_name: str) -> None:
    import torch

    from photosearch.encoders import llm2vec

    dtype = getattr(torch, dtype_name)
    torch.zeros(1)  # allocator and thread pools up before the baseline
    base = _rss_kib("VmRSS")
    started = time.perf_counter()
    if method == "ours":
        encoder = llm2vec.load_llm2vec(Path(folder), dtype=dtype)
    else:
        from safetensors.torch import load_file

        state = {k: v.to(torch.float32) for k, v in load_file(str(Path(folder) / "model.safetensors")).items()}
        with torch.device("meta"):
            model = llm2vec.LlamaModel(llm2vec.read_llama_config(Path(folder)))
        model.load_state_dict(state, strict=False, assign=True)
        del state
        encoder = model.to(dtype)
    seconds = time.perf_counter() - started
    params = sum(p.numel() * p.element_size() for p in encoder.parameters())
    print(json.dumps({"peak_growth_kib": _rss_kib("VmHWM") - base, "held_kib": _rss_kib("VmRSS") - base,
                      "param_bytes": params, "seconds": seconds}))


def write_model(folder: Path, layers: int) -> int:
    """A Llama-3.2-1B-shaped LLM2CLIP folder with random bf16 weights; returns the weight file's size."""
    import torch
    from safetensors.torch import save_file
    from transformers import LlamaModel

    from photosearch.encoders.llm2vec import read_llama_config
    from tests.tiny.llama import build_tiny_llama

    build_tiny_llama(folder, num_layers=layers, with_weights=False, **LLAMA_1B)
    config = json.loads((folder / "config.json").read_text())
    config["vocab_size"] = VOCAB_1B
    (folder / "config.json").write_text(json.dumps(config))
    with torch.device("meta"):
        shapes = {k: v.shape for k, v in LlamaModel(read_llama_config(folder)).state_dict().items()}
    gen = torch.Generator().manual_seed(0)
    state = {k: (torch.randn(s, generator=gen) * 0.02).to(torch.bfloat16) for k, s in shapes.items()}
    save_file(state, str(folder / "model.safetensors"))
    return (folder / "model.safetensors").stat().st_size


def measure(method: str, folder: Path, dtype: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", method, str(folder), dtype],
                         capture_output=True, text=True, check=True, cwd=REPO)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--layers", type=int, default=16, help="Llama-3.2-1B has 16")
    parser.add_argument("--keep", type=Path, default=None, help="write/reuse the model folder here")
    parser.add_argument("--child", nargs=3, metavar=("METHOD", "DIR", "DTYPE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp) / "llm"
        if not (folder / "model.safetensors").is_file():
            folder.mkdir(parents=True, exist_ok=True)
            print(f"writing a {args.layers}-layer Llama-3.2-1B-sized model to {folder} ...", flush=True)
        size = write_model(folder, args.layers) if not (folder / "model.safetensors").is_file() else (
            (folder / "model.safetensors").stat().st_size)
        rows = []
        for method, dtype in (("ours", "bfloat16"), ("before", "bfloat16"), ("ours", "float32"), ("before", "float32")):
            r = measure(method, folder, dtype)
            ratio = r["peak_growth_kib"] * 1024 / size
            rows.append((method, dtype, r["peak_growth_kib"] / 2**20, ratio, r["seconds"]))
            print(f"{method:<7} {dtype:<9} peak +{r['peak_growth_kib'] / 2**20:5.2f} GiB = {ratio:4.2f}x the "
                  f"{size / 2**30:.2f} GiB file, {r['seconds']:.1f} s", flush=True)
    ours, before = rows[0][3], rows[1][3]
    verdict = "meets" if ours <= 1.3 else "misses"
    print(f"bf16 load peak: ours {ours:.2f}x vs before {before:.2f}x the weights; {verdict} the <= 1.3x target")
    with open(REPO / "bench" / "RESULTS.md", "a") as f:
        f.write(f"\n## bench_llm_load {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()} "
                f"({platform.processor() or platform.machine()})\n\n| loader | dtype | peak RAM growth | x weights | s |\n"
                "|---|---|---|---|---|\n")
        for method, dtype, gib, ratio, seconds in rows:
            f.write(f"| {method} | {dtype} | {gib:.2f} GiB | {ratio:.2f} | {seconds:.1f} |\n")


if __name__ == "__main__":
    main()
