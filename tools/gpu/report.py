"""Merges planline.json (GpuProof) and torch.json (torch_bench.py) into summary.json, with the
throughput ratios against PyTorch on the same card, and prints the table last.

    python3 tools/gpu/report.py OUT_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main():
    out = Path(sys.argv[1])
    pl = json.loads((out / "planline.json").read_text()) if (out / "planline.json").exists() else {}
    th = json.loads((out / "torch.json").read_text()) if (out / "torch.json").exists() else {}
    torch_rows = {(r["model"], r["engine"], r["batch"]): r for r in th.get("rows", [])
                  if "batch" in r}
    table = []
    for r in pl.get("bench", []):
        key = (r["model"], r["batch"])
        eager = torch_rows.get((r["model"], "eager", r["batch"]))
        comp = torch_rows.get((r["model"], "compile", r["batch"]))
        best = max(r["samples_per_s_c1"], r["samples_per_s_c4"])
        row = dict(r)
        row["planline_best_samples_per_s"] = best
        if eager:
            # one request at a time on both sides: the like-for-like ratio
            row["ratio_c1_vs_eager"] = r["samples_per_s_c1"] / eager["samples_per_s"]
        for tag, t in (("eager", eager), ("compile", comp)):
            if t:
                row[f"torch_{tag}_p50_ms"] = t["p50_ms"]
                row[f"torch_{tag}_samples_per_s"] = t["samples_per_s"]
                row[f"ratio_vs_{tag}"] = best / t["samples_per_s"]
                row[f"latency_ratio_vs_{tag}"] = t["p50_ms"] / r["p50_ms"]
        table.append(row)
    summary = {"device": pl.get("device"), "torch_device": th.get("device"),
               "torch": th.get("torch"), "date": pl.get("date"), "passed": pl.get("passed"),
               "kernel_cases": pl.get("kernel_cases"), "kernel_failures": pl.get("kernel_failures"),
               "models": pl.get("models"), "failures": pl.get("failures"),
               "memory": pl.get("memory"), "bench": table}
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    print()
    print(f"device {summary['device']} | torch {summary['torch']} on {summary['torch_device']}")
    print(f"kernels: {summary['kernel_cases']} cases, {summary['kernel_failures']} failed; "
          f"models x planners: {sum(1 for m in pl.get('models', []) if m['passed'])}/"
          f"{len(pl.get('models', []))} passed; all checks passed: {summary['passed']}")
    for m in pl.get("memory", []):
        print(f"memory {m['model']:11s} batch {m['batch']:5d}: plan+inputs "
              f"{m['expected_request_bytes']:>11d} B, allocator {m['allocator_request_bytes']:>11d}"
              f" B, driver {m['driver_request_bytes']:>11d} B; weights {m['weight_bytes']} B "
              f"(driver {m['driver_weight_bytes']} B)")
    print("planline samples/s: best of 1 and 4 requests in flight; torch: one at a time;"
          " c1: planline one at a time too")
    hdr = (f"{'model':11s} {'batch':>6s} {'pl p50 ms':>10s} {'eager p50':>10s} "
           f"{'compile p50':>11s} {'pl samples/s':>13s} {'eager':>12s} {'compile':>12s} "
           f"{'x eager':>8s} {'x compile':>9s} {'c1 x eager':>10s}")
    print(hdr)
    for r in table:
        def g(k, fmt):
            v = r.get(k)
            return format(v, fmt) if v is not None else "-"
        print(f"{r['model']:11s} {r['batch']:6d} {r['p50_ms']:10.3f} "
              f"{g('torch_eager_p50_ms', '10.3f'):>10s} {g('torch_compile_p50_ms', '11.3f'):>11s} "
              f"{r['planline_best_samples_per_s']:13.0f} {g('torch_eager_samples_per_s', '12.0f'):>12s}"
              f" {g('torch_compile_samples_per_s', '12.0f'):>12s} {g('ratio_vs_eager', '8.2f'):>8s}"
              f" {g('ratio_vs_compile', '9.2f'):>9s} {g('ratio_c1_vs_eager', '10.2f'):>10s}")


if __name__ == "__main__":
    main()
