#!/usr/bin/env python3
"""Reference interpreter for planline model folders (format version 1).

It executes ``program.json`` line by line exactly as docs/model-format.md says, for one concrete
binding of the symbols, with PyTorch's ATen operators as kernels:

- AllocateLine: a fresh storage of ``storage_expr`` elements, poisoned (NaN / a sentinel) so that
  a read of memory no kernel wrote shows up in the result;
- KernelCallLine: the call arguments are parsed from text by the operator's schema, the operator
  runs, and each result is copied into its output buffer through that buffer's shape and strides;
- ReinterpretLine: a name for ``as_strided(root storage, shape, stride, offset)``, bounds-checked;
- FreeIfNotReusedLine: the storage is dropped; any later use of it, or of a view of it, raises.

At the end every storage must be freed except those holding outputs (a leak raises too).
It shares no code with the exporter: it reads safetensors and evaluates size expressions itself.

    python3 tools/check_program.py MODEL_DIR [--bind s0=5 --bind s0=1] [--onnx]

compares the program's output with ``sample.json`` (and, with bindings and ``--onnx``, with ONNX
Runtime on random inputs of those sizes).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import struct
import sys
from pathlib import Path

import numpy as np

SAFETENSORS_DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64,
                      "I32": np.int32, "I16": np.int16, "I8": np.int8, "U8": np.uint8,
                      "BOOL": np.bool_}
FLOAT = re.compile(r"[+-]?(\d+\.\d*([eE][+-]?\d+)?|\d+[eE][+-]?\d+|inf|nan)")
TOLERANCE = 1e-5


class ProgramError(RuntimeError):
    """The program breaks the format's rules (use after free, bad shape, leak, ...)."""


# --------------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------------

def read_safetensors(path):
    """``{key: numpy array}`` from a safetensors file, checking offsets and sizes."""
    raw = Path(path).read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length].decode("utf-8"))
    data = raw[8 + length:]
    tensors, end = {}, 0
    for key, entry in sorted(((k, v) for k, v in header.items() if k != "__metadata__"),
                             key=lambda kv: kv[1]["data_offsets"][0]):
        begin, stop = entry["data_offsets"]
        dtype = np.dtype(SAFETENSORS_DTYPES[entry["dtype"]]).newbyteorder("<")
        count = int(np.prod(entry["shape"], dtype=np.int64))
        if begin != end or stop - begin != count * dtype.itemsize:
            raise ProgramError(f"{path}: tensor {key} has bad data_offsets {entry['data_offsets']}")
        tensors[key] = np.frombuffer(data[begin:stop], dtype=dtype).reshape(entry["shape"])
        end = stop
    if end != len(data):
        raise ProgramError(f"{path}: {len(data) - end} trailing bytes after the last tensor")
    return tensors


def evaluate(text, env):
    """Value of a size expression (integers, symbols, + - * //, parentheses)."""
    if isinstance(text, int):
        return text
    tree = ast.parse(str(text).strip(), mode="eval")

    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in env:
                raise ProgramError(f"unbound symbol {node.id} in {text!r}")
            return env[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        if isinstance(node, ast.BinOp):
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            if isinstance(node.op, ast.FloorDiv):
                return left // right
        raise ProgramError(f"{text!r} is outside the expression grammar ({ast.dump(node)})")

    return walk(tree)


def split_list(text):
    """Elements of ``[a, b, [c, d]]`` as text, splitting at top-level commas only."""
    text = text.strip()
    if not (text.startswith("[") and text.endswith("]")):
        raise ProgramError(f"{text!r} is not a list")
    body, items, depth, start = text[1:-1], [], 0, 0
    for i, ch in enumerate(body):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(body[start:i].strip())
            start = i + 1
    if body.strip():
        items.append(body[start:].strip())
    return items


# --------------------------------------------------------------------------------------------
# interpreter
# --------------------------------------------------------------------------------------------

class Interpreter:
    """Executes one program for one binding of its symbols."""

    def __init__(self, program, weights, torch_module):
        self.torch = torch_module
        self.program = program
        if program.get("format") != "planline-program" or program.get("version") != 1:
            raise ProgramError(f"not a planline program version 1: {program.get('format')} "
                               f"{program.get('version')}")
        self.weights = weights
        self.env = {}
        self.storages = {}   # root name -> 1-D tensor
        self.freed = set()
        self.allocated = set()
        self.views = {}      # tensor name -> (root, shape, stride, offset, dtype)
        self.live_bytes = 0
        self.peak_bytes = 0

    # -- naming ---------------------------------------------------------------------------

    def dtype(self, name):
        value = getattr(self.torch, name, None)
        if not isinstance(value, self.torch.dtype):
            raise ProgramError(f"unknown dtype {name!r}")
        return value

    def define_root(self, name, flat, shape, dtype):
        if name in self.views or name in self.freed:
            raise ProgramError(f"name {name} defined twice")
        self.storages[name] = flat
        stride, acc = [], 1
        for size in reversed(shape):
            stride.insert(0, acc)
            acc *= size
        self.views[name] = (name, list(shape), stride, 0, dtype)

    def tensor(self, name, where):
        if name not in self.views:
            raise ProgramError(f"{where}: unknown tensor {name!r}")
        root, shape, stride, offset, _ = self.views[name]
        if root in self.freed:
            raise ProgramError(f"{where}: use after free: {name} (storage {root})")
        return self.torch.as_strided(self.storages[root], shape, stride, offset)

    def bind(self, inputs):
        for spec in self.program["inputs"]:
            if spec["name"] not in inputs:
                raise ProgramError(f"input {spec['name']} missing")
            value = inputs[spec["name"]]
            if len(value.shape) != len(spec["shape"]):
                raise ProgramError(f"input {spec['name']}: rank {len(value.shape)}, "
                                   f"expected {spec['shape']}")
            for dim, actual in zip(spec["shape"], value.shape):
                if isinstance(dim, str) and dim in self.program["symbols"] \
                        and dim not in self.env:
                    self.env[dim] = int(actual)
        for spec in self.program["inputs"]:
            value = inputs[spec["name"]]
            expected = [evaluate(d, self.env) for d in spec["shape"]]
            if list(value.shape) != expected:
                raise ProgramError(f"input {spec['name']}: shape {list(value.shape)}, "
                                   f"expected {expected}")
        for symbol, bounds in self.program.get("symbol_bounds", {}).items():
            low, high = bounds.get("min"), bounds.get("max")
            if symbol not in self.env:
                raise ProgramError(f"symbol {symbol} is not bound by any input")
            if (low is not None and self.env[symbol] < low) or \
                    (high is not None and self.env[symbol] > high):
                raise ProgramError(f"{symbol} = {self.env[symbol]} outside [{low}, {high}]")

    # -- lines ----------------------------------------------------------------------------

    def run(self, inputs):
        t = self.torch
        self.bind(inputs)
        for spec in self.program["inputs"]:
            value = t.as_tensor(np.ascontiguousarray(inputs[spec["name"]]))
            if value.dtype != self.dtype(spec["dtype"]):
                raise ProgramError(f"input {spec['name']}: dtype {value.dtype}")
            self.define_root(spec["name"], value.reshape(-1).clone(), list(value.shape),
                             value.dtype)
        for spec in self.program["weights"]:
            array = self.weights.get(spec["tensor"])
            if array is None:
                raise ProgramError(f"weight {spec['tensor']} is not in weights.safetensors")
            value = t.as_tensor(np.array(array))
            if list(value.shape) != [evaluate(d, self.env) for d in spec["shape"]] \
                    or value.dtype != self.dtype(spec["dtype"]):
                raise ProgramError(f"weight {spec['name']}: {value.dtype} {list(value.shape)} "
                                   f"differs from the program's {spec['dtype']} {spec['shape']}")
            self.define_root(spec["name"], value.reshape(-1).clone(), list(value.shape),
                             value.dtype)
        for index, line in enumerate(self.program["lines"]):
            where = f"line {index} ({line.get('kind')})"
            kind = line["kind"]
            if kind == "AllocateLine":
                self.allocate(line["node"], where)
            elif kind == "KernelCallLine":
                self.call(line, where)
            elif kind == "ReinterpretLine":
                self.reinterpret(line, where)
            elif kind == "FreeIfNotReusedLine":
                self.free(line["node"]["name"], where)
            else:
                raise ProgramError(f"{where}: line kind {kind} is not part of format version 1")
        outputs, out_roots = {}, set()
        for spec in self.program["outputs"]:
            outputs[spec["name"]] = self.tensor(spec["buffer"], "outputs").clone()
            out_roots.add(self.views[spec["buffer"]][0])
        leaked = sorted(self.allocated - self.freed - out_roots)
        if leaked:
            raise ProgramError(f"storages never freed: {leaked}")
        return outputs

    def layout(self, node, where):
        shape = [evaluate(d, self.env) for d in node["shape"]]
        stride = [evaluate(s, self.env) for s in node["stride"]]
        if len(shape) != len(stride) or any(d < 0 for d in shape):
            raise ProgramError(f"{where}: bad shape {shape} / stride {stride}")
        return shape, stride, self.dtype(node["dtype"])

    def allocate(self, node, where):
        name = node["name"]
        shape, stride, dtype = self.layout(node, where)
        numel = evaluate(node["storage_expr"], self.env)
        _check_bounds(where, name, shape, stride, 0, numel)
        if dtype.is_floating_point:
            flat = self.torch.full((numel,), float("nan"), dtype=dtype)
        else:
            flat = self.torch.full((numel,), -7777777, dtype=dtype)
        if name in self.views or name in self.freed:
            raise ProgramError(f"{where}: {name} allocated twice")
        self.storages[name] = flat
        self.views[name] = (name, shape, stride, 0, dtype)
        self.allocated.add(name)
        self.live_bytes += numel * flat.element_size()
        self.peak_bytes = max(self.peak_bytes, self.live_bytes)

    def reinterpret(self, line, where):
        source = line["node"]["name"]
        self.tensor(source, where)  # raises on a freed or unknown source
        root, _, _, _, root_dtype = self.views[source]
        node = line["reused_as"]
        shape, stride, dtype = self.layout(node, where)
        offset = evaluate(line.get("offset", "0"), self.env)
        if dtype != root_dtype:
            raise ProgramError(f"{where}: view {node['name']} is {dtype}, storage is {root_dtype}")
        _check_bounds(where, node["name"], shape, stride, offset, self.storages[root].numel())
        if node["name"] in self.views:
            raise ProgramError(f"{where}: {node['name']} defined twice")
        self.views[node["name"]] = (root, shape, stride, offset, dtype)

    def free(self, name, where):
        if name not in self.allocated:
            raise ProgramError(f"{where}: free of {name}, which no AllocateLine created")
        if name in self.freed:
            raise ProgramError(f"{where}: double free of {name}")
        self.freed.add(name)
        storage = self.storages.pop(name)
        self.live_bytes -= storage.numel() * storage.element_size()

    def call(self, line, where):
        t = self.torch
        namespace, op_name, overload = line["kernel_name"].split(".")
        op = getattr(getattr(getattr(t.ops, namespace), op_name), overload)
        schema = op._schema
        texts = line["call_args"]
        if len(texts) != len(schema.arguments):
            raise ProgramError(f"{where}: {line['kernel_name']} takes {len(schema.arguments)} "
                               f"arguments, the line gives {len(texts)}")
        args, kwargs = [], {}
        for text, arg in zip(texts, schema.arguments):
            value = self.parse(text, str(arg.type), where)
            if arg.kwarg_only:
                kwargs[arg.name] = value
            else:
                args.append(value)
        result = op(*args, **kwargs)
        results = list(result) if isinstance(result, (tuple, list)) else [result]
        outs = line.get("outputs", [])
        if len(results) != len(outs):
            raise ProgramError(f"{where}: {line['kernel_name']} returned {len(results)} tensors, "
                               f"the line names {len(outs)} outputs")
        for name, value in zip(outs, results):
            if name not in self.allocated:
                raise ProgramError(f"{where}: output {name} was not allocated by the program")
            target = self.tensor(name, where)
            if tuple(value.shape) != tuple(target.shape) or value.dtype != target.dtype:
                raise ProgramError(f"{where}: {line['kernel_name']} produced {value.dtype} "
                                   f"{list(value.shape)}, {name} is {target.dtype} "
                                   f"{list(target.shape)}")
            target.copy_(value)

    def parse(self, text, type_text, where):
        text = text.strip()
        if text == "None":
            return None
        if "Tensor" in type_text:
            if text.startswith("["):
                return [None if item == "None" else self.tensor(item, where)
                        for item in split_list(text)]
            return self.tensor(text, where)
        return self.parse_value(text, type_text, where)

    def parse_value(self, text, type_text, where):
        t = self.torch
        if text.startswith("["):
            return [self.parse_value(item, type_text, where) for item in split_list(text)]
        if text in ("True", "False"):
            return text == "True"
        if text.startswith("torch."):
            value = getattr(t, text[len("torch."):], None)
            if not isinstance(value, (t.dtype, t.layout, t.memory_format)):
                raise ProgramError(f"{where}: unknown constant {text}")
            return value
        if FLOAT.fullmatch(text):
            return float(text)
        if "Device" in type_text:
            return t.device(text)
        if re.fullmatch(r"[\w+\-*/() ]+", text) and not ("str" in type_text):
            try:
                return evaluate(text, self.env)
            except (ProgramError, SyntaxError):
                pass
        if "str" in type_text:
            return text
        raise ProgramError(f"{where}: cannot read argument {text!r} of type {type_text}")


def _check_bounds(where, name, shape, stride, offset, numel):
    if any(d == 0 for d in shape):
        return
    if any(s < 0 for s in stride) or offset < 0:
        raise ProgramError(f"{where}: {name} has negative stride/offset")
    extent = offset + sum((d - 1) * s for d, s in zip(shape, stride)) + 1
    if extent > numel:
        raise ProgramError(f"{where}: {name} reaches element {extent - 1} of a storage of {numel}")


def load_folder(folder):
    folder = Path(folder)
    program = json.loads((folder / "program.json").read_text())
    weights = read_safetensors(folder / "weights.safetensors")
    return program, weights


def run_program(folder, inputs, torch_module=None):
    """Execute the program in ``folder`` on ``{input name: array}``; returns (outputs, peak)."""
    if torch_module is None:
        import torch as torch_module  # pylint: disable=import-outside-toplevel
    program, weights = load_folder(folder)
    interpreter = Interpreter(program, weights, torch_module)
    with torch_module.no_grad():
        outputs = interpreter.run({k: np.asarray(v) for k, v in inputs.items()})
    return outputs, interpreter.peak_bytes


def relative_error(actual, expected):
    """max |actual - expected| / max |expected| (NaN anywhere counts as infinite error)."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        return float("inf")
    if not np.all(np.isfinite(actual)):
        return float("inf")
    scale = max(float(np.max(np.abs(expected))) if expected.size else 0.0, 1e-30)
    return float(np.max(np.abs(actual - expected))) / scale if expected.size else 0.0


def sample_arrays(section):
    return {name: np.array(entry["data"], dtype=entry["dtype"]).reshape(entry["shape"])
            for name, entry in section.items()}


def random_inputs(program, sample_inputs, binding, seed):
    rng = np.random.default_rng(seed)
    result = {}
    for spec in program["inputs"]:
        shape = [evaluate(d, binding) for d in spec["shape"]]
        ref = sample_inputs[spec["name"]]
        if np.issubdtype(ref.dtype, np.integer):
            result[spec["name"]] = rng.integers(int(ref.min()), int(ref.max()) + 1,
                                                size=shape).astype(ref.dtype)
        else:
            result[spec["name"]] = rng.uniform(float(ref.min()), float(ref.max()),
                                               size=shape).astype(ref.dtype)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run planline programs and compare outputs.")
    parser.add_argument("folders", nargs="+", help="model folders")
    parser.add_argument("--bind", action="append", default=[],
                        help="symbol binding for random inputs, e.g. s0=5,s1=12 (repeatable)")
    parser.add_argument("--onnx", action="store_true",
                        help="compare random-input runs with ONNX Runtime on model.onnx")
    args = parser.parse_args(argv)
    failures = 0
    for folder in args.folders:
        sample = json.loads((Path(folder) / "sample.json").read_text())
        inputs = sample_arrays(sample["inputs"])
        outputs, peak = run_program(folder, inputs)
        for name, expected in sample_arrays(sample["outputs"]).items():
            err = relative_error(outputs[name].numpy(), expected)
            ok = err <= TOLERANCE
            failures += not ok
            print(f"{folder}: sample {name} rel.err {err:.3g} peak {peak} B "
                  f"{'PASS' if ok else 'FAIL'}")
        if not args.bind:
            continue
        program = json.loads((Path(folder) / "program.json").read_text())
        for number, text in enumerate(args.bind):
            binding = {k: int(v) for k, v in (kv.split("=") for kv in text.split(","))}
            feeds = random_inputs(program, inputs, binding, seed=number)
            outputs, peak = run_program(folder, feeds)
            status = f"{folder}: {text} ran, peak {peak} B"
            if args.onnx:
                import onnxruntime  # pylint: disable=import-outside-toplevel
                session = onnxruntime.InferenceSession(str(Path(folder) / "model.onnx"),
                                                       providers=["CPUExecutionProvider"])
                names = [o.name for o in session.get_outputs()]
                ref = dict(zip(names, session.run(None, feeds)))
                errs = {k: relative_error(outputs[k].numpy(), ref[k]) for k in outputs}
                ok = all(e <= 1e-4 for e in errs.values())
                failures += not ok
                status += f"; vs ONNX Runtime {errs} {'PASS' if ok else 'FAIL'}"
            print(status)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
