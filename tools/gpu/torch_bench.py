"""PyTorch eager and torch.compile on the built-in planline models, on this machine's GPU.

Measures what planline's GPU proof measures, the same way: a request starts from host memory
and ends with the result back in host memory (input copy, model, output copy), latency at batch 1
(median and p99 of sequential requests) and throughput at the large batch (samples per second,
one request at a time). Also checks each model against its sample.json output. Writes JSON.

    python3 tools/gpu/torch_bench.py --models src/main/resources/models --out torch.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

import torch

LARGE = {"digits-mlp": 16384, "digits-cnn": 8192, "tiny-gpt": 256}


def build(name, models_dir):
    import planline_models as pm
    from safetensors.torch import load_file

    model = {"digits-mlp": pm.DigitsMLP, "digits-cnn": pm.DigitsCNN,
             "tiny-gpt": tiny_gpt_on_device(pm)}[name]()
    state = load_file(str(Path(models_dir) / name / "weights.safetensors"))
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise RuntimeError(f"{name}: weights do not fit: missing {missing}, unexpected {unexpected}")
    return model.eval().cuda()


def tiny_gpt_on_device(pm):
    """TinyGPT whose positions and mask are made on the tokens' device (the definition makes
    them on the CPU, for export); the same function otherwise."""
    from torch.nn import functional as F

    class TinyGPTOnDevice(pm.TinyGPT):
        def forward(self, tokens):
            seq = tokens.shape[1]
            dev = tokens.device
            x = self.wte(tokens) + self.wpe(torch.arange(seq, dtype=torch.int64, device=dev))
            pos = torch.arange(seq, dtype=torch.float32, device=dev)
            mask = torch.relu(pos.unsqueeze(0) - pos.unsqueeze(1)) * -1e9
            for block in self.blocks:
                x = block(x, mask)
            x = self.ln_f(x)
            return F.linear(x, self.wte.weight)

    return TinyGPTOnDevice


def example(name, batch, gen):
    if name == "tiny-gpt":
        return torch.randint(0, 256, (batch, 64), generator=gen, dtype=torch.int64)
    shape = (batch, 64) if name == "digits-mlp" else (batch, 1, 8, 8)
    return torch.randint(0, 17, shape, generator=gen).to(torch.float32)


def sample_error(fn, name, models_dir):
    sample = json.loads((Path(models_dir) / name / "sample.json").read_text())
    (iname, spec), = sample["inputs"].items()
    dtype = torch.int64 if spec["dtype"] in ("int64", "INT64") else torch.float32
    x = torch.tensor(spec["data"], dtype=dtype).reshape(spec["shape"])
    want = torch.tensor(next(iter(sample["outputs"].values()))["data"]).reshape(-1)
    got = fn(x.cuda()).float().cpu().reshape(-1)
    return float((got - want).abs().max() / want.abs().max())


def request(fn, x_host):
    return fn(x_host.cuda(non_blocking=False)).cpu()


def latency(fn, x, seconds):
    for _ in range(30):
        request(fn, x)
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 20:
        t0 = time.perf_counter()
        request(fn, x)
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))]


def throughput(fn, x, seconds):
    for _ in range(5):
        request(fn, x)
    n = 0
    t0 = time.perf_counter()
    end = t0 + seconds
    while time.perf_counter() < end:
        request(fn, x)
        n += 1
    return n * x.shape[0] / (time.perf_counter() - t0)


def device_only(fn, x, reps=50):
    """Model time alone (input already on the GPU), timed with CUDA events: for reference."""
    xd = x.cuda()
    for _ in range(5):
        fn(xd)
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    torch.cuda.synchronize()
    start.record()
    for _ in range(reps):
        fn(xd)
    stop.record()
    torch.cuda.synchronize()
    return start.elapsed_time(stop) / reps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=float, default=2.0)
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    torch.backends.cuda.matmul.allow_tf32 = False  # float32 products, as planline computes them
    torch.backends.cudnn.allow_tf32 = False
    gen = torch.Generator().manual_seed(0)
    rows = []
    report = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__,
              "cuda": torch.version.cuda, "tf32": False, "rows": rows}
    for name in ["digits-mlp", "digits-cnn", "tiny-gpt"]:
        model = build(name, args.models)
        engines = {"eager": model}
        try:
            engines["compile"] = torch.compile(model, dynamic=False)
        except Exception:  # noqa: BLE001 - report and go on with eager
            traceback.print_exc()
        for engine, fn in engines.items():
            with torch.inference_mode():
                try:
                    err = sample_error(fn, name, args.models)
                    for batch in (1, LARGE[name]):
                        x = example(name, batch, gen)
                        t_compile = time.perf_counter()
                        request(fn, x)  # compiles for this shape
                        t_compile = time.perf_counter() - t_compile
                        p50, p99 = latency(fn, x, args.seconds)
                        tput = throughput(fn, x, args.seconds)
                        dev_ms = device_only(fn, x)
                        row = {"model": name, "engine": engine, "batch": batch, "p50_ms": p50,
                               "p99_ms": p99, "samples_per_s": tput, "device_ms": dev_ms,
                               "sample_error": err, "first_call_s": t_compile}
                        rows.append(row)
                        print(f"torch {name:11s} {engine:8s} batch {batch:5d}: p50 {p50:.3f} ms "
                              f"p99 {p99:.3f} ms {tput:.0f} samples/s, device {dev_ms:.3f} ms, "
                              f"sample error {err:.1e}", flush=True)
                except Exception as e:  # noqa: BLE001 - keep the other measurements
                    traceback.print_exc()
                    rows.append({"model": name, "engine": engine, "error": repr(e)})
        Path(args.out).write_text(json.dumps(report, indent=1))
    Path(args.out).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
