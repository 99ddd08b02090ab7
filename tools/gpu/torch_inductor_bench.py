"""PyTorch's side of the Inductor GPU proof: the same models and batches as the folders
tools/gpu/export_inductor.sh writes, in eager mode, torch.compile (default) and
torch.compile(mode="reduce-overhead"), on the same card in the same run, host tensors in and out
(as planline's requests are). Prints one line per row; writes --out JSON.

    python3 tools/gpu/torch_inductor_bench.py --out torch.json --seconds 3 gpt2:1 bert:32 ...
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from planline_export import _rows  # noqa: E402  pylint: disable=wrong-import-position

FACTORIES = {"digits-mlp": "planline_models:digits_mlp_spec",
             "digits-cnn": "planline_models:digits_cnn_spec",
             "tiny-gpt": "planline_models:tiny_gpt_spec", "gpt2": "hf_models:gpt2_spec",
             "bert": "hf_models:bert_spec", "resnet50": "hf_models:resnet50_spec",
             "vit": "hf_models:vit_spec"}


def build(model_name, batch):
    import importlib  # pylint: disable=import-outside-toplevel
    if model_name in FACTORIES:
        module, _, func = FACTORIES[model_name].partition(":")
        spec = getattr(importlib.import_module(module), func)()
    else:  # any other spec of hf_models.py or hf_probes.py, as export_inductor.sh takes it
        func = model_name.replace("-", "_") + "_spec"
        module = next(m for m in ("hf_models", "hf_probes")
                      if hasattr(importlib.import_module(m), func))
        spec = getattr(importlib.import_module(module), func)()
    inputs = {k: _rows(v, batch) for k, v in spec["inputs"].items()}
    return spec["model"].eval().cuda(), inputs


def measure(fn, inputs, seconds):
    """p50 and p99 ms of sequential calls, host tensors in and out."""
    def once():
        args = [t.cuda(non_blocking=False) for t in inputs.values()]
        out = fn(*args)
        return out.cpu()
    for _ in range(5):
        once()
    times, end = [], time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 20:
        t0 = time.perf_counter()
        once()
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("items", nargs="+", help="MODEL:BATCH")
    args = parser.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    rows = []
    for item in args.items:
        name, batch = item.split(":")
        model, inputs = build(name, int(batch))
        weights = sum(p.numel() * p.element_size() for p in model.parameters()) + sum(
            b.numel() * b.element_size() for b in model.buffers())
        row = {"model": f"{name}-b{batch}", "weight_bytes": weights}
        with torch.no_grad():
            for mode, fn in (("eager", model), ("compile", torch.compile(model)),
                             ("reduce-overhead", torch.compile(model, mode="reduce-overhead"))):
                try:
                    torch._dynamo.reset() if mode == "eager" else None
                    p50, p99 = measure(fn, inputs, args.seconds)
                    torch.cuda.synchronize()
                    torch.cuda.reset_peak_memory_stats()
                    base = torch.cuda.memory_allocated()
                    fn(*[t.cuda() for t in inputs.values()])
                    torch.cuda.synchronize()
                    row[mode] = {"p50_ms": p50, "p99_ms": p99, "throughput_1": 1000 / p50,
                                 "peak_request_bytes": torch.cuda.max_memory_allocated() - base}
                except Exception as exc:  # noqa: BLE001 - reported in the row
                    row[mode] = {"error": repr(exc)[:300]}
                print(f"torch {row['model']} {mode}: {row[mode]}", flush=True)
        rows.append(row)
        # written after every model: a run cut short by its time limit keeps what it measured
        Path(args.out).write_text(json.dumps({"device": torch.cuda.get_device_name(),
                                              "torch": torch.__version__, "rows": rows},
                                             indent=1))
        del model
        torch._dynamo.reset()
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
