#!/usr/bin/env python3
"""p50 / p99 latency of PyTorch eager and torch.compile (Inductor, CPU) on the same models and
inputs as ``tools/bench-models.sh MODEL_FOLDER``, one request at a time, with as many threads as
cores: the peer that planline's Inductor path runs the kernels of.

    python3 tools/bench_torch_cpu.py hf_models:gpt2_spec [--batch 1 8] [--seconds 2] [--json]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))


def latencies(call, seconds):
    for _ in range(5):
        call()
    out, end = [], time.perf_counter() + seconds
    while time.perf_counter() < end or len(out) < 5:
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1e3)
    out.sort()
    return out[len(out) // 2], out[int(len(out) * 0.99)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("factory", nargs="+", help="module:function returning a model spec")
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(os.cpu_count())
    for factory in args.factory:
        module, _, func = factory.partition(":")
        spec = getattr(importlib.import_module(module), func)()
        model = spec["model"].eval()
        name, example = next(iter(spec["inputs"].items()))
        compiled = torch.compile(model, dynamic=True)
        for batch in args.batch:
            shape = [batch] + list(example.shape[1:])
            x = (torch.randint(0, 256, shape, dtype=example.dtype) if not example.is_floating_point()
                 else torch.randn(shape))
            for engine, fn in (("torch-eager", model), ("torch-compile", compiled)):
                with torch.no_grad():
                    p50, p99 = latencies(lambda f=fn: f(x), args.seconds)
                row = {"model": spec["name"], "input": str(shape).replace(" ", ""),
                       "engine": engine, "p50_ms": round(p50, 3), "p99_ms": round(p99, 3)}
                print(json.dumps(row) if args.json else
                      f"{row['model']:<11} {row['input']:<16} {engine:<14} p50 {p50:9.3f} ms  "
                      f"p99 {p99:9.3f} ms", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
