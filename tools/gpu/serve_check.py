"""Checks a running planline server the way a KServe V2 client sees it (issue 10: models served
from YAML with backend: cuda, answering V2 requests). Standard library only.

    python3 tools/gpu/serve_check.py URL NAME FOLDER [REQUESTS]

For model NAME (served from FOLDER, whose sample.json holds an input and torch.compile's output
for it): readiness and metadata, one JSON infer request whose outputs are compared with the
sample's, REQUESTS more with binary outputs timed one after another, /plan and the planline
lines of /prometheus. Prints one JSON object; exit status 1 when a check fails.
"""

from __future__ import annotations

import json
import struct
import sys
import time
import urllib.request
from pathlib import Path

DTYPES = {"float32": ("FP32", "f"), "int64": ("INT64", "q")}


def call(url, body=None, headers=None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, headers=headers or {},
                                 method="GET" if body is None else "POST")
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.status, dict(r.headers), r.read()


def flat(values):
    if isinstance(values, list):
        return [x for v in values for x in flat(v)]
    return [values]


def relative_error(got, want):
    scale = max(abs(w) for w in want) or 1.0
    return max(abs(g - w) for g, w in zip(got, want)) / scale


def main(argv):
    url, name, folder = argv[0].rstrip("/"), argv[1], Path(argv[2])
    requests = int(argv[3]) if len(argv) > 3 else 50
    sample = json.loads((folder / "sample.json").read_text())
    inputs = [{"name": k, "datatype": DTYPES[v["dtype"]][0], "shape": v["shape"],
               "data": flat(v["data"])} for k, v in sample["inputs"].items()]
    report = {"model": name}
    failed = False
    status, _, body = call(f"{url}/v2/models/{name}/ready")
    report["ready"] = status == 200
    report["metadata"] = json.loads(call(f"{url}/v2/models/{name}")[2])
    _, _, body = call(f"{url}/v2/models/{name}/infer", {"inputs": inputs})
    answer = json.loads(body)
    errors = {}
    for out in answer["outputs"]:
        want = flat(sample["outputs"][out["name"]]["data"])
        errors[out["name"]] = relative_error(out["data"], want)
    report["relative_error_json"] = errors
    failed |= not errors or max(errors.values()) > 1e-4 or not report["ready"]
    binary = {"inputs": inputs, "parameters": {"binary_data_output": True}}
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        _, headers, body = call(f"{url}/v2/models/{name}/infer", binary)
        times.append((time.perf_counter() - start) * 1000)
    length = int(headers.get("Inference-Header-Content-Length"))
    header = json.loads(body[:length])
    out = header["outputs"][0]
    n = out["parameters"]["binary_data_size"] // 4
    got = struct.unpack(f"<{n}f", body[length:length + 4 * n])
    errors_binary = relative_error(got, flat(sample["outputs"][out["name"]]["data"]))
    report["relative_error_binary"] = errors_binary
    failed |= errors_binary > 1e-4
    times.sort()
    report["binary_requests"] = requests
    report["p50_ms"] = round(times[len(times) // 2], 3)
    report["p99_ms"] = round(times[min(len(times) - 1, int(len(times) * 0.99))], 3)
    query = "&".join(f"{i['name']}={','.join(map(str, i['shape']))}" for i in inputs)
    plan = json.loads(call(f"{url}/v2/models/{name}/plan?{query}")[2])
    report["plan"] = {k: plan[k] for k in plan if k.endswith("bytes") or k in ("planner",)}
    metrics = call(f"{url}/prometheus")[2].decode()
    report["prometheus"] = [line for line in metrics.splitlines()
                            if line.startswith("planline_") and f'model="{name}"' in line
                            and "_bucket" not in line][:16]
    report["ok"] = not failed
    print(json.dumps(report, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
