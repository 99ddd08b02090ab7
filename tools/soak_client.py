#!/usr/bin/env python3
"""The traffic of tools/soak.sh: a seeded mix of good, malformed, oversized, cancelled and
slow-reading requests over every built-in model and many input shapes, from a few threads, for
a bounded time and count. Talks to a loopback address only. Prints one JSON object: requests by
kind and answer (an HTTP status, or "closed" for requests the client abandoned on purpose)."""

import http.client
import json
import random
import socket
import sys
import threading
import time
from collections import Counter

HOST = "127.0.0.1"


def body(model, rng, batch=None, seq=None):
    """A good JSON request for model with a random batch (and sequence, for tiny-gpt)."""
    b = batch or rng.randint(1, 48)
    if model == "tiny-gpt":
        s = seq or rng.randint(1, 64)
        data = [rng.randrange(256) for _ in range(b * s)]
        return {"inputs": [{"name": "tokens", "shape": [b, s], "datatype": "INT64", "data": data}]}
    shape = [b, 64] if model == "digits-mlp" else [b, 1, 8, 8]
    data = [float(rng.randrange(17)) for _ in range(b * 64)]
    return {"inputs": [{"name": "x", "shape": shape, "datatype": "FP32", "data": data}]}


def post(port, path, payload, headers=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    try:
        conn.request("POST", path, payload, {"Content-Type": "application/json", **(headers or {})})
        r = conn.getresponse()
        r.read()
        return str(r.status)
    finally:
        conn.close()


def raw(port, request, read_bytes, pause):
    """Sends request on a socket, reads read_bytes of the answer pause seconds apart per 4 KiB
    (slow reader), then closes: the server must count it as cancelled and free everything."""
    with socket.create_connection((HOST, port), timeout=120) as s:
        s.sendall(request)
        got = 0
        while got < read_bytes:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += len(chunk)
            time.sleep(pause)
    return "closed"


def http_request(path, payload):
    head = ("POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            "Content-Length: %d\r\n\r\n" % (path, len(payload))).encode()
    return head + payload


KINDS = ["good", "good", "good", "good", "binary", "plan", "malformed", "ragged", "overflow",
         "trailing", "unknown", "too_large_body", "too_large_response", "cancelled", "slow_reader"]


def one(port, rng, kind):
    model = rng.choice(["digits-mlp", "digits-cnn", "tiny-gpt"])
    infer = "/v2/models/%s/infer" % model
    if kind == "good":
        return post(port, infer, json.dumps(body(model, rng)))
    if kind == "binary":
        b = body("tiny-gpt", rng)
        b["parameters"] = {"binary_data_output": True}
        return post(port, "/v2/models/tiny-gpt/infer", json.dumps(b))
    if kind == "plan":
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        try:
            conn.request("GET", "/v2/models/tiny-gpt/plan?tokens=%d,%d"
                         % (rng.randint(1, 512), rng.randint(1, 64)))
            r = conn.getresponse()
            r.read()
            return str(r.status)
        finally:
            conn.close()
    if kind == "malformed":
        return post(port, infer, '{"inputs": [{"name": ')
    if kind == "ragged":
        b = body("digits-mlp", rng, batch=2)
        b["inputs"][0]["data"] = [list(range(100)), list(range(28))]
        return post(port, "/v2/models/digits-mlp/infer", json.dumps(b))
    if kind == "overflow":
        b = body("digits-mlp", rng, batch=1)
        b["inputs"][0]["data"][3] = 1e39
        return post(port, "/v2/models/digits-mlp/infer", json.dumps(b))
    if kind == "trailing":
        return post(port, infer, json.dumps(body(model, rng)) + " {}")
    if kind == "unknown":
        return post(port, "/v2/models/no-such-model/infer", "{}")
    if kind == "too_large_body":
        return post(port, infer, " " * (2 << 20))
    if kind == "too_large_response":
        b = body("tiny-gpt", rng, batch=512, seq=64)
        return post(port, "/v2/models/tiny-gpt/infer", json.dumps(b))
    payload = json.dumps(body("tiny-gpt", rng, batch=rng.randint(8, 24))).encode()
    request = http_request("/v2/models/tiny-gpt/infer", payload)
    if kind == "cancelled":
        return raw(port, request, 0, 0)
    return raw(port, request, 64 * 1024, 0.05)  # slow_reader


def main():
    port, seconds, max_requests, threads = (int(a) for a in sys.argv[1:5])
    deadline = time.monotonic() + seconds
    counts = Counter()
    lock = threading.Lock()
    issued = [0]

    def worker(seed):
        rng = random.Random(seed)
        while time.monotonic() < deadline:
            with lock:
                if issued[0] >= max_requests:
                    return
                issued[0] += 1
            kind = rng.choice(KINDS)
            try:
                answer = one(port, rng, kind)
            except (OSError, http.client.HTTPException) as e:
                answer = "error:" + type(e).__name__
            with lock:
                counts[kind + " " + answer] += 1

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    print(json.dumps(dict(sorted(counts.items()))))


if __name__ == "__main__":
    main()
