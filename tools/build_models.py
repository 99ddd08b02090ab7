#!/usr/bin/env python3
"""Train, export and check planline's built-in models (digits-mlp, digits-cnn, tiny-gpt).

    python3 tools/build_models.py --data ../shared/data/digits/digits.csv.gz \
        --out src/main/resources/models

Held-out split of digits.csv.gz (1797 rows, 64 pixels then the label): row i (0-based, file
order) is held out when i % 5 == 0 (360 rows), trained on otherwise (1437 rows).

For each model it writes the folder (program.json, weights.safetensors, sample.json, model.onnx,
model.json), then runs the exported program with tools/check_program.py's interpreter at two or
more symbol bindings and compares with eager PyTorch (and ONNX Runtime), and prints a summary
(also written as summary.json next to the folders).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
import traceback
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_program  # noqa: E402
import planline_models as pm  # noqa: E402
from planline_export import export_model  # noqa: E402

SPLIT_RULE = ("digits.csv.gz rows in file order, 0-based index i: held out (test) when "
              "i % 5 == 0 (360 rows), trained on otherwise (1437 rows)")
LOG = []


def log(*parts):
    text = " ".join(str(p) for p in parts)
    LOG.append(text)
    print(text, flush=True)


def load_digits(path):
    with gzip.open(path, "rt") as f:
        data = np.loadtxt(f, delimiter=",", dtype=np.int64)
    pixels = torch.tensor(data[:, :64], dtype=torch.float32)
    labels = torch.tensor(data[:, 64], dtype=torch.int64)
    held_out = torch.tensor(np.arange(len(data)) % 5 == 0)
    return pixels, labels, held_out


def train(model, x, y, epochs, lr, batch, seed, weight_decay=1e-4):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=gen)
        for start in range(0, len(x), batch):
            idx = order[start:start + batch]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        sched.step()
    model.eval()
    return float(loss.detach())


def accuracy(logits, labels):
    return float((torch.as_tensor(logits).argmax(-1) == labels).float().mean())


def eager(model, inputs):
    with torch.no_grad():
        return model(*inputs.values())


def compare_program(folder, model, inputs, label):
    """Program vs eager PyTorch on ``inputs``; returns a result row."""
    started = time.time()
    outputs, peak = check_program.run_program(folder, {k: v.numpy() for k, v in inputs.items()},
                                              torch)
    ref = eager(model, inputs)
    err = check_program.relative_error(outputs["logits"].numpy(), ref.numpy())
    row = {"check": label, "shapes": {k: list(v.shape) for k, v in inputs.items()},
           "rel_err_vs_pytorch": err, "peak_bytes": peak,
           "pass": err <= check_program.TOLERANCE, "seconds": round(time.time() - started, 2)}
    log(f"  program {label} {row['shapes']}: rel.err {err:.3g} peak {peak} B "
        f"{'PASS' if row['pass'] else 'FAIL'}")
    return row, outputs["logits"]


def compare_onnx(folder, model, inputs, label):
    try:
        import onnxruntime  # pylint: disable=import-outside-toplevel
        session = onnxruntime.InferenceSession(str(Path(folder) / "model.onnx"),
                                               providers=["CPUExecutionProvider"])
        names = [i.name for i in session.get_inputs()]
        feeds = dict(zip(names, [v.numpy() for v in inputs.values()]))
        (out,) = session.run(None, feeds)
        err = check_program.relative_error(out, eager(model, inputs).numpy())
        row = {"check": "onnx " + label, "rel_err_vs_pytorch": err, "pass": err <= 1e-4}
    except Exception as exc:  # noqa: BLE001 - reported, not fatal
        row = {"check": "onnx " + label, "error": f"{type(exc).__name__}: {exc}", "pass": False}
    log(f"  {row}")
    return row


def build(spec, out_root, debug_root, metadata=None):
    name = spec["name"]
    folder = out_root / name
    model, inputs = spec.pop("model"), spec.pop("inputs")
    started = time.time()
    summary = export_model(model, inputs, folder, metadata=metadata, log=log, **spec)
    ep = summary.pop("exported")
    program = summary.pop("program")
    if debug_root is not None:
        debug_root.mkdir(parents=True, exist_ok=True)
        (debug_root / f"{name}.graph.txt").write_text(str(ep.graph_module.graph))
    log(f"{name}: exported in {time.time() - started:.1f}s, {summary['lines']} lines, "
        f"kernels {summary['kernels']}, onnx {summary['onnx']}")
    if summary["unsupported"]:
        log(f"{name}: UNSUPPORTED kernels {summary['unsupported']}")
    return model, folder, summary, program


def build_digits(kind, pixels, labels, held_out, out_root, debug_root, results):
    x_train, y_train = pixels[~held_out], labels[~held_out]
    x_test, y_test = pixels[held_out], labels[held_out]
    torch.manual_seed(0)  # fixes the initial weights
    if kind == "mlp":
        model = pm.DigitsMLP()
        shape = (-1, 64)
        loss = train(model, x_train, y_train, epochs=120, lr=2e-3, batch=32, seed=0)
        make_spec = pm.digits_mlp_spec
    else:
        model = pm.DigitsCNN()
        shape = (-1, 1, 8, 8)
        loss = train(model, x_train.view(shape), y_train, epochs=40, lr=2e-3, batch=32, seed=0)
        make_spec = pm.digits_cnn_spec
    test = x_test.reshape(shape)
    acc = accuracy(eager(model, {"x": test}), y_test)
    log(f"digits-{kind}: final train loss {loss:.4f}, held-out accuracy {acc:.4f}")
    spec = make_spec(model, test[:3].clone())
    metadata = {"split": SPLIT_RULE, "heldout_rows": int(held_out.sum()),
                "heldout_accuracy": round(acc, 4),
                "training": "Adam lr 2e-3 weight decay 1e-4, cosine schedule, batch 32, "
                            f"{'120' if kind == 'mlp' else '40'} epochs, seed 0, CPU"}
    model, folder, summary, _ = build(spec, out_root, debug_root, metadata)
    rows = []
    row, _ = compare_program(folder, model, {"x": test[:1].clone()}, "batch 1")
    rows.append(row)
    row, logits = compare_program(folder, model, {"x": test.clone()}, "all held-out rows")
    rows.append(row)
    program_acc = accuracy(logits, y_test)
    log(f"digits-{kind}: held-out accuracy through the program {program_acc:.4f}")
    rows.append(compare_onnx(folder, model, {"x": test[:1].clone()}, "batch 1"))
    rows.append(compare_onnx(folder, model, {"x": test.clone()}, "batch 360"))
    card = json.loads((folder / "model.json").read_text())
    card["program_heldout_accuracy"] = round(program_acc, 4)
    (folder / "model.json").write_text(json.dumps(card, indent=1) + "\n")
    results[f"digits-{kind}"] = {"heldout_accuracy": acc, "program_heldout_accuracy": program_acc,
                                 "kernels": summary["kernels"],
                                 "unsupported": summary["unsupported"],
                                 "lines": summary["lines"], "onnx": summary["onnx"],
                                 "checks": rows}


def build_gpt(out_root, debug_root, results):
    spec = pm.tiny_gpt_spec(seed=0)
    model, folder, summary, _ = build(spec, out_root, debug_root,
                                      {"weights": "random, torch.Generator seed 0"})
    gen = torch.Generator().manual_seed(1)
    rows = []
    for batch, seq in ((1, 1), (2, 8), (3, 64), (5, 17)):
        tokens = torch.randint(0, 256, (batch, seq), generator=gen, dtype=torch.int64)
        row, _ = compare_program(folder, model, {"tokens": tokens}, f"b{batch} s{seq}")
        rows.append(row)
        if (batch, seq) in ((1, 1), (3, 64)):
            rows.append(compare_onnx(folder, model, {"tokens": tokens}, f"b{batch} s{seq}"))
    results["tiny-gpt"] = {"kernels": summary["kernels"], "unsupported": summary["unsupported"],
                           "lines": summary["lines"], "onnx": summary["onnx"], "checks": rows}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", required=True, help="digits.csv.gz")
    parser.add_argument("--out", required=True, help="folder that receives the model folders")
    parser.add_argument("--debug", help="folder for FX graph dumps")
    parser.add_argument("--threads", type=int, default=4, help="torch CPU threads")
    parser.add_argument("--only", help="comma-separated subset: digits-mlp,digits-cnn,tiny-gpt")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    log(f"torch {torch.__version__}, numpy {np.__version__}, threads {torch.get_num_threads()}")
    out_root = Path(args.out)
    debug_root = Path(args.debug) if args.debug else None
    only = set(args.only.split(",")) if args.only else {"digits-mlp", "digits-cnn", "tiny-gpt"}
    pixels, labels, held_out = load_digits(args.data)
    log(f"digits: {len(labels)} rows, {int(held_out.sum())} held out")
    results = {}
    jobs = [("digits-mlp", lambda: build_digits("mlp", pixels, labels, held_out, out_root,
                                                debug_root, results)),
            ("digits-cnn", lambda: build_digits("cnn", pixels, labels, held_out, out_root,
                                                debug_root, results)),
            ("tiny-gpt", lambda: build_gpt(out_root, debug_root, results))]
    for name, job in jobs:
        if name not in only:
            continue
        started = time.time()
        try:
            job()
        except Exception:  # noqa: BLE001 - keep going so one failure does not hide the others
            log(f"{name}: FAILED\n{traceback.format_exc()}")
            results[name] = {"error": traceback.format_exc()}
        log(f"{name}: {time.time() - started:.1f}s")
    (out_root / "summary.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    log("== summary ==")
    ok = True
    for name, res in results.items():
        if "error" in res:
            ok = False
            log(f"{name}: ERROR")
            continue
        checks = res["checks"]
        passed = all(c.get("pass") for c in checks)
        ok &= passed and not res["unsupported"]
        log(f"{name}: acc {res.get('heldout_accuracy')} program acc "
            f"{res.get('program_heldout_accuracy')} checks "
            f"{sum(bool(c.get('pass')) for c in checks)}/{len(checks)} unsupported "
            f"{res['unsupported']} kernels {res['kernels']}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
