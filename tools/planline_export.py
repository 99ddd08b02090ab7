#!/usr/bin/env python3
"""Export a PyTorch ``nn.Module`` to a planline model folder (format version 1).

Library use::

    from planline_export import DynamicDim, export_model
    export_model(model, {"x": example}, "out/digits-mlp", name="digits-mlp",
                 output_names=["logits"], dynamic={"x": {0: DynamicDim("batch")}})

Command line (the factory returns the keyword arguments of ``export_model`` as a dict; see
``planline_models.py`` for the built-in ones)::

    python3 tools/planline_export.py planline_models:tiny_gpt_spec out/tiny-gpt

How it works: ``torch.export.export`` captures the module with the named dimensions symbolic,
``run_decompositions()`` lowers it to core ATen, and the FX graph is walked node by node. Every
tensor-producing operator becomes AllocateLines for its outputs plus one KernelCallLine; view
operators become ReinterpretLines over the viewed storage; a FreeIfNotReusedLine follows each
storage's last use (uses through views included). Sizes stay symbolic (``"128*s0"``). The format
is documented in docs/model-format.md.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import operator
import re
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

import sympy
import torch
from torch import fx
from torch.export import Dim
from torch.export.graph_signature import InputKind, OutputKind

sys.path.insert(0, str(Path(__file__).resolve().parent))
from planline_symbolic import print_expr, rename_symbols  # noqa: E402

FORMAT = "planline-program"
FORMAT_VERSION = 1

# The ATen operators planline's kernel library runs: `planline ops` writes this file, and a Java
# test fails when it is stale, so the exporters check against the runtime's own table.
SUPPORTED_KERNELS = frozenset(
    (Path(__file__).resolve().parent / "supported_ops.txt").read_text().split())

# View operators: their result aliases their first argument's storage. `_unsafe_view` carries no
# alias annotation in its schema but is a view in fact, so it is listed by name.
VIEW_OPS = frozenset("""view _unsafe_view permute t expand slice select unsqueeze squeeze
transpose alias as_strided detach _reshape_alias numpy_T""".split())

# Elementwise binary operators whose `.Tensor` overload PyTorch's export also uses with a Python
# number as `other`; such calls are rewritten to the `.Scalar` overload (same argument list).
SCALAR_OVERLOADS = {"add": "Scalar", "sub": "Scalar", "mul": "Scalar", "div": "Scalar"}

DTYPE_NAMES = {torch.float32: "float32", torch.float64: "float64", torch.float16: "float16",
               torch.bfloat16: "bfloat16", torch.int64: "int64", torch.int32: "int32",
               torch.int16: "int16", torch.int8: "int8", torch.uint8: "uint8", torch.bool: "bool"}
SAFETENSORS_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16",
                      torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32",
                      torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}
RESERVED_NAME = re.compile(r"^(s\d+|buf\d+|view\d+|None|True|False|inf|nan|cpu)$")


def source_line(node):
    """Where in the model's code ``node`` comes from ("file:line in function: code"), read from
    torch.export's stack trace: the innermost frame outside PyTorch itself; None if unknown."""
    trace = node.meta.get("stack_trace") or ""
    frames = re.findall(r'File "([^"]+)", line (\d+), in (\S+)\n\s*([^\n]*)', trace)
    for file, line, function, code in reversed(frames):
        if "/torch/" not in file.replace("\\", "/"):
            return f"{file}:{line} in {function}: {code.strip()}"
    return None


def located(message, node):
    """``message`` with the operator of ``node`` and its model source line appended."""
    where = source_line(node)
    return (f"{message} [operator {node.target}"
            + (f", at {where}]" if where else ", source line unknown]"))


class ExportError(RuntimeError):
    """The module cannot be expressed as a planline program (the message says why)."""


@dataclass(frozen=True)
class DynamicDim:
    """A dimension that stays symbolic in the program (batch, sequence)."""

    name: str
    min: int = 1
    max: int | None = None


# --------------------------------------------------------------------------------------------
# torch.export
# --------------------------------------------------------------------------------------------

def _dynamic_shapes(inputs, dynamic, min_floor=1):
    dims = {}
    specs = []
    for input_name in inputs:
        spec = {}
        for axis, dd in (dynamic or {}).get(input_name, {}).items():
            if dd.name not in dims:
                kwargs = {"min": max(dd.min, min_floor)}
                if dd.max is not None:
                    kwargs["max"] = dd.max
                dims[dd.name] = Dim(dd.name, **kwargs)
            spec[axis] = dims[dd.name]
        specs.append(spec or None)
    return tuple(specs)


def capture(model, inputs, dynamic, log=print):
    """``torch.export`` the module with the dynamic dims symbolic, decomposed to core ATen."""
    args = tuple(inputs.values())
    try:
        ep = torch.export.export(model, args, dynamic_shapes=_dynamic_shapes(inputs, dynamic))
    except Exception as first:  # noqa: BLE001 - retried once below, then re-raised
        # Some PyTorch versions refuse min=1 for a dim whose example is >= 2; min=2 still traces
        # a program that is valid for 1, which check_program verifies.
        log(f"export with min=1 failed ({type(first).__name__}: {first}); retrying with min=2")
        _log_guard_sources(model, args, inputs, dynamic)
        ep = torch.export.export(model, args,
                                 dynamic_shapes=_dynamic_shapes(inputs, dynamic, min_floor=2))
    return ep.run_decompositions()


def _log_guard_sources(model, args, inputs, dynamic):
    """Export again with symbolic-shape logging on, so the failing guards' sources get printed."""
    import logging  # pylint: disable=import-outside-toplevel
    torch._logging.set_logs(dynamic=logging.INFO)
    try:
        torch.export.export(model, args, dynamic_shapes=_dynamic_shapes(inputs, dynamic))
    except Exception:  # noqa: BLE001 - only the log output matters here
        pass
    finally:
        torch._logging.set_logs()


# --------------------------------------------------------------------------------------------
# FX graph -> program
# --------------------------------------------------------------------------------------------

def _dtype_name(dtype):
    if dtype not in DTYPE_NAMES:
        raise ExportError(f"dtype {dtype} has no planline name")
    return DTYPE_NAMES[dtype]


def _sanitize(name):
    text = re.sub(r"\W", "_", name)
    return text if re.match(r"[A-Za-z_]", text) else "w_" + text


def _is_view(op):
    if op.overloadpacket.__name__ in VIEW_OPS:
        return True
    try:
        schema = op._schema
        if len(schema.returns) != 1 or not schema.arguments:
            return False
        ret, first = schema.returns[0].alias_info, schema.arguments[0].alias_info
        return (ret is not None and first is not None and not ret.is_write
                and bool(set(ret.before_set) & set(first.before_set)))
    except AttributeError:
        return False


def _skippable(node):
    name = str(node.target)
    return "assert" in name or "constrain" in name


class _Builder:
    """Walks one decomposed ExportedProgram and emits the program's lines."""

    def __init__(self, ep, input_names, output_names, name, log=print):
        self.ep = ep
        self.name = name
        self.log = log
        self.input_names = list(input_names)
        self.output_names = list(output_names)
        self.symbols = {}        # sympy symbol of the ShapeEnv -> "s0", "s1", ...
        self.symbol_info = {}    # "s0" -> {"input", "dim", "min", "max"}
        self.tensor_of = {}      # fx node -> tensor name (buffer, view, input or weight)
        self.multi_of = {}       # fx node of a multi-output op -> [buffer names]
        self.root_of = {}        # tensor name -> root storage name
        self.storage_expr = {}   # root storage name -> sympy element count
        self.allocated = set()   # root storages allocated by the program
        self.meta = {}           # tensor name -> fake tensor
        self.inputs, self.weights, self.weight_values = [], [], {}
        self.steps = []          # [(lines, read names, produced names)]
        self.kernels = []
        self.n_buf = 0
        self.n_view = 0

    # -- expressions ------------------------------------------------------------------------

    def expr(self, value):
        """Sympy expression over the program's symbols for an int / SymInt."""
        if isinstance(value, bool):
            raise ExportError(f"boolean {value} where a size was expected")
        if isinstance(value, int):
            return sympy.Integer(value)
        if isinstance(value, torch.SymInt):
            node = value.node
            expr = node.expr
            try:
                expr = node.shape_env.simplify(expr)
            except Exception:  # noqa: BLE001 - simplification is best effort
                pass
            return sympy.expand(rename_symbols(expr, self.symbols))
        raise ExportError(f"{value!r} ({type(value).__name__}) is not a size")

    def jdim(self, value):
        """A dim for JSON: an int when constant, else expression text."""
        e = self.expr(value)
        return int(e) if e.is_Integer else print_expr(e)

    def text(self, value):
        return print_expr(self.expr(value))

    # -- buffers ----------------------------------------------------------------------------

    def buffer_json(self, name, fake, storage_name):
        return {"name": name, "device": str(fake.device), "dtype": _dtype_name(fake.dtype),
                "shape": [self.jdim(d) for d in fake.shape],
                "stride": [self.jdim(s) for s in fake.stride()],
                "storage_expr": print_expr(self.storage_expr[storage_name])}

    def storage_numel(self, fake):
        sizes = [self.expr(d) for d in fake.shape]
        strides = [self.expr(s) for s in fake.stride()]
        if self.expr(fake.storage_offset()) != 0:
            raise ExportError("an operator output starts at a non-zero storage offset")
        if any(s == 0 for s in sizes):
            return sympy.Integer(0)
        expected, contiguous = sympy.Integer(1), True
        for size, stride in reversed(list(zip(sizes, strides))):
            if size != 1 and sympy.expand(stride - expected) != 0:
                contiguous = False
            expected = expected * size
        if contiguous:
            return sympy.expand(expected)
        # A dense or strided layout: one past the furthest element.
        return sympy.expand(1 + sum((sz - 1) * st for sz, st in zip(sizes, strides)))

    # -- placeholders -----------------------------------------------------------------------

    def add_placeholders(self, graph):
        specs = {spec.arg.name: spec for spec in self.ep.graph_signature.input_specs}
        placeholders = [n for n in graph.nodes if n.op == "placeholder"]
        users = [n for n in placeholders if specs[n.name].kind == InputKind.USER_INPUT]
        if len(users) != len(self.input_names):
            raise ExportError(f"{len(users)} user inputs, {len(self.input_names)} names given")
        ranges = {str(k): v for k, v in self.ep.range_constraints.items()}
        for node, input_name in zip(users, self.input_names):
            fake = node.meta["val"]
            for axis, dim in enumerate(fake.shape):
                if isinstance(dim, torch.SymInt):
                    sym = dim.node.expr
                    if isinstance(sym, sympy.Symbol) and sym not in self.symbols:
                        canon = f"s{len(self.symbols)}"
                        self.symbols[sym] = canon
                        vr = ranges.get(str(sym))
                        self.symbol_info[canon] = {
                            "input": input_name, "dim": axis,
                            "min": _bound(vr.lower) if vr is not None else None,
                            "max": _bound(vr.upper) if vr is not None else None}
        taken = set(self.input_names)
        for name in taken:
            if not name.isidentifier() or RESERVED_NAME.match(name):
                raise ExportError(f"input name {name!r} is not a usable identifier")
        for node in placeholders:
            spec = specs[node.name]
            fake = node.meta["val"]
            if spec.kind == InputKind.USER_INPUT:
                tname = self.input_names[users.index(node)]
                self.inputs.append({"name": tname, "dtype": _dtype_name(fake.dtype),
                                    "shape": [self.jdim(d) for d in fake.shape]})
            elif spec.kind in (InputKind.PARAMETER, InputKind.BUFFER, InputKind.CONSTANT_TENSOR):
                if not node.users:
                    continue  # e.g. BatchNorm's num_batches_tracked: never read
                tname = _sanitize(spec.target)
                while tname in taken or RESERVED_NAME.match(tname):
                    tname += "_"
                value = self.ep.state_dict.get(spec.target)
                if value is None:
                    value = self.ep.constants[spec.target]
                value = value.detach().cpu().contiguous()
                self.weights.append({"name": tname, "tensor": spec.target,
                                     "dtype": _dtype_name(value.dtype),
                                     "shape": list(value.shape)})
                self.weight_values[spec.target] = value
            else:
                raise ExportError(f"input kind {spec.kind} ({node.name}) is not supported")
            taken.add(tname)
            self.tensor_of[node] = tname
            self.root_of[tname] = tname
            self.meta[tname] = fake
            self.storage_expr[tname] = sympy.expand(
                sympy.Mul(*[self.expr(d) for d in fake.shape]))

    # -- nodes ------------------------------------------------------------------------------

    def add_call(self, node):
        target = node.target
        val = node.meta.get("val")
        if target is operator.getitem:
            source, index = node.args
            if source not in self.multi_of:
                raise ExportError(f"getitem on {source.name}, which is not a multi-output op")
            self.tensor_of[node] = self.multi_of[source][index]
            return
        if isinstance(val, (torch.SymInt, torch.SymFloat, torch.SymBool, int, float, bool)):
            return  # size arithmetic (sym_size, mul, ...): printed inline where used
        if val is None and _skippable(node):
            return
        if not isinstance(target, torch._ops.OpOverload):
            raise ExportError(f"node {node.name}: {target} is not an ATen operator")
        if _is_view(target):
            self.add_view(node, val)
        else:
            self.add_kernel(node, target, val)

    def add_view(self, node, fake):
        source = node.args[0]
        src_name = self.tensor_of[source]
        root = self.root_of[src_name]
        if fake.dtype != self.meta[src_name].dtype:
            raise ExportError(f"view {node.name} changes dtype")
        name = f"view{self.n_view}"
        self.n_view += 1
        self.tensor_of[node] = name
        self.root_of[name] = root
        self.meta[name] = fake
        line = {"kind": "ReinterpretLine", "node": {"name": src_name},
                "reused_as": self.buffer_json(name, fake, root),
                "offset": self.text(fake.storage_offset())}
        self.steps.append(([line], [src_name], []))

    def add_kernel(self, node, op, val):
        values = _schema_values(op, node)
        packet = op.overloadpacket.__name__
        if (op._overloadname == "Tensor" and packet in SCALAR_OVERLOADS
                and isinstance(values[1], (int, float)) and not isinstance(values[1], bool)):
            op = getattr(getattr(torch.ops.aten, packet), SCALAR_OVERLOADS[packet])
        reads = []
        call_args = [self.format_arg(v, a, reads) for v, a in zip(values, op._schema.arguments)]
        fakes = list(val) if isinstance(val, (tuple, list)) else [val]
        if not all(isinstance(f, torch.Tensor) for f in fakes):
            raise ExportError(f"node {node.name} ({op}) returns non-tensors: {val!r}")
        lines, outs = [], []
        for fake in fakes:
            name = f"buf{self.n_buf}"
            self.n_buf += 1
            self.root_of[name] = name
            self.meta[name] = fake
            self.storage_expr[name] = self.storage_numel(fake)
            self.allocated.add(name)
            outs.append(name)
            lines.append({"kind": "AllocateLine", "node": self.buffer_json(name, fake, name)})
        kernel = str(op)
        self.kernels.append(kernel)
        lines.append({"kind": "KernelCallLine", "kernel_name": kernel, "outputs": outs,
                      "call_args": call_args})
        if isinstance(val, (tuple, list)):
            self.multi_of[node] = outs
        else:
            self.tensor_of[node] = outs[0]
        self.steps.append((lines, reads, outs))

    def format_arg(self, value, arg, reads, element=False):
        if isinstance(value, fx.Node):
            if value in self.tensor_of:
                name = self.tensor_of[value]
                reads.append(name)
                return name
            inner = value.meta.get("val")
            if isinstance(inner, (torch.SymInt, int)) and not isinstance(inner, bool):
                return self.text(inner)
            raise ExportError(f"argument {arg.name} = node {value.name} ({inner!r}) is not a "
                              f"tensor or size")
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(self.format_arg(v, arg, reads, True) for v in value) + "]"
        if isinstance(value, bool):
            return "True" if value else "False"
        if isinstance(value, int):
            fixed = getattr(arg, "N", None)
            # A fixed-size list given as one int (`int[2] padding=0`) is written out in full.
            if fixed and not element and isinstance(arg.type, torch._C.ListType):
                return "[" + ", ".join([str(value)] * fixed) + "]"
            return str(value)
        if isinstance(value, torch.SymInt):
            return self.text(value)
        if isinstance(value, float):
            return repr(value)
        if value is None:
            return "None"
        if isinstance(value, (torch.dtype, torch.layout, torch.memory_format, torch.device)):
            return str(value)
        if isinstance(value, str):
            return value
        raise ExportError(f"argument {arg.name}: cannot print {value!r} ({type(value).__name__})")

    # -- assembly ---------------------------------------------------------------------------

    def build(self):
        graph = self.ep.graph_module.graph
        self.add_placeholders(graph)
        output_node = None
        for node in graph.nodes:
            if node.op == "call_function":
                try:
                    self.add_call(node)
                except ExportError as e:
                    raise ExportError(located(str(e), node)) from e
            elif node.op == "output":
                output_node = node
            elif node.op != "placeholder":
                raise ExportError(f"node {node.name}: op kind {node.op} is not supported")
        user_outputs = [spec.arg.name for spec in self.ep.graph_signature.output_specs
                        if spec.kind == OutputKind.USER_OUTPUT]
        by_name = {n.name: n for n in output_node.args[0] if isinstance(n, fx.Node)}
        if len(user_outputs) != len(self.output_names):
            raise ExportError(f"{len(user_outputs)} outputs, {len(self.output_names)} names given")
        outputs, out_roots = [], set()
        for out_name, node_name in zip(self.output_names, user_outputs):
            tname = self.tensor_of[by_name[node_name]]
            fake = self.meta[tname]
            outputs.append({"name": out_name, "buffer": tname, "dtype": _dtype_name(fake.dtype),
                            "shape": [self.jdim(d) for d in fake.shape]})
            out_roots.add(self.root_of[tname])
        # Last use of each program-allocated storage, counting uses through its views.
        last = {}
        for index, (_, reads, produced) in enumerate(self.steps):
            for name in produced:
                last.setdefault(name, index)
            for name in reads:
                root = self.root_of[name]
                if root in self.allocated:
                    last[root] = index
        frees = {}
        for root, index in last.items():
            if root not in out_roots:
                frees.setdefault(index, []).append(root)
        lines = []
        for index, (step_lines, _, _) in enumerate(self.steps):
            lines.extend(step_lines)
            for root in sorted(frees.get(index, []), key=lambda n: int(n[3:])):
                lines.append({"kind": "FreeIfNotReusedLine", "node": {"name": root}})
        return {"format": FORMAT, "version": FORMAT_VERSION, "name": self.name,
                "symbols": list(self.symbol_info), "symbol_bounds": self.symbol_info,
                "batch_dim": batch_dim(self.inputs, outputs),
                "inputs": self.inputs, "outputs": outputs, "weights": self.weights,
                "kernels": sorted(set(self.kernels)), "lines": lines}


def batch_dim(inputs, outputs):
    """The dimension planline may concatenate requests along (docs/model-format.md, batch_dim):
    0 when the first dimension of every input and output is one and the same symbol (a dynamic
    batch) and no other dimension depends on it, else None (the model's requests are never
    merged). An output such as CLIP's image-by-text scores, [images, texts] from one batch of
    both, would mix the requests of a merged batch."""
    firsts, rest = set(), []
    for tensor in list(inputs) + list(outputs):
        shape = tensor.get("shape")
        if shape is None:
            continue  # an output whose shape the exporter did not record
        first = shape[0] if shape else None
        if not (isinstance(first, str) and re.fullmatch(r"s[0-9]+", first)):
            return None
        firsts.add(first)
        rest += [str(d) for d in shape[1:]]
    if len(firsts) != 1:
        return None
    batch = re.compile(rf"\b{next(iter(firsts))}\b")
    return None if any(batch.search(d) for d in rest) else 0


def _bound(value):
    try:
        number = int(value)
    except Exception:  # noqa: BLE001 - sympy infinities raise assorted errors
        return None
    return number if abs(number) < 2 ** 62 else None


def _schema_values(op, node):
    """Every schema argument of ``op`` for ``node``, in schema order, defaults filled in."""
    schema = op._schema
    known = {a.name for a in schema.arguments}
    unknown = set(node.kwargs) - known
    if unknown:
        raise ExportError(f"{op}: unknown keyword arguments {sorted(unknown)}")
    values = []
    for index, arg in enumerate(schema.arguments):
        if not arg.kwarg_only and index < len(node.args):
            values.append(node.args[index])
        elif arg.name in node.kwargs:
            values.append(node.kwargs[arg.name])
        elif arg.has_default_value():
            values.append(arg.default_value)
        else:
            raise ExportError(f"{op}: required argument {arg.name} missing in {node.name}")
    return values


def build_program(ep, input_names, output_names, name, log=print):
    """Program dict (program.json) and weight tensors ({safetensors key: tensor})."""
    builder = _Builder(ep, input_names, output_names, name, log)
    program = builder.build()
    return program, builder.weight_values


# --------------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------------

def write_safetensors(path, tensors, metadata=None, strided=()):
    """Write ``{key: tensor}`` in the safetensors layout (little-endian, header padded to 8).

    Keys in ``strided`` (weights whose program.json entry gives a stride) are written in memory
    order (``physical_order``); every other tensor in row-major order of its shape."""
    header, blobs, offset = {}, [], 0
    for key, tensor in tensors.items():
        tensor = tensor.detach().cpu()
        tensor = physical_order(key, tensor) if key in strided else tensor.contiguous()
        if tensor.dtype not in SAFETENSORS_DTYPES:
            raise ExportError(f"weight {key}: dtype {tensor.dtype} unsupported")
        array = tensor.numpy()
        data = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        header[key] = {"dtype": SAFETENSORS_DTYPES[tensor.dtype], "shape": list(tensor.shape),
                       "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for blob in blobs:
            f.write(blob)


def physical_order(key, tensor):
    """``tensor`` as it lies in memory: contiguous as is, else its dimensions permuted by
    decreasing stride (a channels-last [O, I, kh, kw] weight becomes [O, kh, kw, I]), whose
    row-major data are the strided tensor's storage in order (program.json gives the stride)."""
    if tensor.is_contiguous():
        return tensor
    order = sorted(range(tensor.dim()), key=lambda d: (-tensor.stride(d), d))
    permuted = tensor.permute(order)
    if not permuted.is_contiguous() or tensor.storage_offset() != 0:
        raise ExportError(f"weight {key}: strides {tuple(tensor.stride())} of shape "
                          f"{tuple(tensor.shape)} are not a permutation of a dense layout")
    return permuted


def tensor_json(tensor):
    tensor = tensor.detach().cpu().contiguous()
    return {"dtype": _dtype_name(tensor.dtype), "shape": list(tensor.shape),
            "data": tensor.reshape(-1).tolist()}


# Above this many values a sample is written as sample.safetensors: as JSON text, GPT-2's logits
# at batch 32 (206 M floats) make a file no reader holds in memory.
SAMPLE_JSON_MAX_VALUES = 1 << 20


def write_sample(out, inputs, outputs, reference):
    """The folder's sample: ``inputs`` and the ``outputs`` the reference produced for them, as
    sample.json, or as sample.safetensors (tensors ``inputs.NAME`` / ``outputs.NAME``, the
    reference in its metadata) when they hold more than SAMPLE_JSON_MAX_VALUES values."""
    out = Path(out)
    values = sum(t.numel() for t in list(inputs.values()) + list(outputs.values()))
    for stale in ("sample.json", "sample.safetensors"):
        (out / stale).unlink(missing_ok=True)
    if values > SAMPLE_JSON_MAX_VALUES:
        tensors = {f"inputs.{k}": v for k, v in inputs.items()}
        tensors.update({f"outputs.{k}": v for k, v in outputs.items()})
        write_safetensors(out / "sample.safetensors", tensors, {"reference": reference})
        return
    sample = {"inputs": {k: tensor_json(v) for k, v in inputs.items()},
              "outputs": {k: tensor_json(v) for k, v in outputs.items()},
              "reference": reference}
    (out / "sample.json").write_text(json.dumps(sample) + "\n")


def run_eager(model, inputs):
    with torch.no_grad():
        result = model(*inputs.values())
    return list(result) if isinstance(result, (tuple, list)) else [result]


def export_onnx(model, inputs, dynamic, path, output_names, log=print):
    """Write ``model.onnx`` (one self-contained file); returns which exporter succeeded."""
    path = Path(path)
    args = tuple(inputs.values())
    errors = []
    try:
        shapes = _dynamic_shapes(inputs, dynamic)
        if any(p.kind == inspect.Parameter.VAR_POSITIONAL
               for p in inspect.signature(model.forward).parameters.values()):
            shapes = (tuple(shapes),)  # forward(*args): the inputs are one tuple argument
        kwargs = dict(dynamo=True, dynamic_shapes=shapes,
                      input_names=list(inputs), output_names=list(output_names))
        try:
            torch.onnx.export(model, args, str(path), external_data=False, **kwargs)
        except TypeError:
            torch.onnx.export(model, args, str(path), **kwargs)
        exporter = "dynamo"
    except Exception as exc:  # noqa: BLE001 - fall back to the TorchScript exporter
        errors.append(f"dynamo: {type(exc).__name__}: {exc}")
        log(f"ONNX dynamo export failed, using the TorchScript exporter: {errors[-1][:500]}")
        axes = {}
        for input_name, dims in (dynamic or {}).items():
            axes[input_name] = {axis: dd.name for axis, dd in dims.items()}
        first = next(iter(dynamic.values())) if dynamic else {}
        for output_name in output_names:
            axes[output_name] = {axis: dd.name for axis, dd in first.items()}
        torch.onnx.export(model, args, str(path), dynamo=False, input_names=list(inputs),
                          output_names=list(output_names), dynamic_axes=axes, opset_version=17)
        exporter = "torchscript"
    import onnx  # pylint: disable=import-outside-toplevel
    proto = onnx.load(str(path))  # also pulls in any external data file
    onnx.save_model(proto, str(path), save_as_external_data=False)
    for extra in path.parent.glob(path.name + ".data"):
        extra.unlink()
    return {"exporter": exporter, "errors": errors}


def export_model(model, inputs, out_dir, *, name, output_names, dynamic=None, description="",
                 metadata=None, onnx=True, log=print):
    """Write a planline model folder for ``model`` and return a summary dict.

    ``inputs`` maps the forward arguments' names (in order) to example tensors; they also become
    sample.json. ``dynamic`` maps input names to ``{axis: DynamicDim}``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    ep = capture(model, inputs, dynamic, log)
    program, weights = build_program(ep, list(inputs), output_names, name, log)
    (out / "program.json").write_text(json.dumps(program, indent=1) + "\n")
    write_safetensors(out / "weights.safetensors", weights,
                      {"format": "pt", "producer": "planline_export"})
    outputs = run_eager(model, inputs)
    write_sample(out, inputs, dict(zip(output_names, outputs)), "PyTorch eager")
    onnx_info = None
    if onnx:
        onnx_info = export_onnx(model, inputs, dynamic, out / "model.onnx", output_names, log)
    unsupported = [k for k in program["kernels"] if k not in SUPPORTED_KERNELS]
    for kernel in unsupported:
        first = next((n for n in ep.graph_module.graph.nodes
                      if n.op == "call_function" and str(n.target) == kernel), None)
        where = source_line(first) if first is not None else None
        log(f"WARNING {name}: {kernel} has no planline kernel (tools/supported_ops.txt)"
            + (f", used at {where}" if where else ""))
    card = {"name": name, "version": 1, "format_version": FORMAT_VERSION,
            "description": description,
            "inputs": program["inputs"],
            "outputs": [{k: o[k] for k in ("name", "dtype", "shape")} for o in program["outputs"]],
            "symbols": program["symbol_bounds"],
            "kernels": program["kernels"]}
    card.update(metadata or {})
    (out / "model.json").write_text(json.dumps(card, indent=1) + "\n")
    return {"name": name, "kernels": program["kernels"], "unsupported": unsupported,
            "lines": len(program["lines"]), "onnx": onnx_info, "exported": ep,
            "program": program}


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------

def _rows(tensor, batch):
    """``tensor``'s rows repeated (in order, cycling) to ``batch`` rows."""
    if batch < 1:
        raise ExportError(f"--batch must be at least 1, got {batch}")
    reps = -(batch // -tensor.shape[0])
    return tensor.repeat(reps, *([1] * (tensor.dim() - 1)))[:batch].contiguous()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("factory", help="module:function returning export_model's arguments")
    parser.add_argument("out_dir", help="model folder to write")
    parser.add_argument("--no-onnx", action="store_true", help="skip model.onnx")
    parser.add_argument("--compile", choices=["none", "inductor"], default="none",
                        help="inductor: run Inductor's own kernels (format version 2, "
                             "planline_inductor.py); none: ATen-level program (version 1)")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                        help="the device Inductor compiles for (cuda: Triton kernels for GPU 0, "
                             "static shapes; planline_inductor_cuda.py)")
    parser.add_argument("--batch", type=int, default=None,
                        help="export at this batch size (the example inputs' rows repeated); "
                             "a CUDA export is static, one folder per batch size")
    parser.add_argument("--conv", choices=["aten", "triton"], default="aten",
                        help="with --device cuda, how convolutions are compiled: aten (left to "
                             "ATen; planline runs them on its own implicit-GEMM kernel) or "
                             "triton (Inductor's autotuned Triton convolution templates, with "
                             "the epilogue fused; 1x1 convolutions become products)")
    parser.add_argument("--attention-block-mib", type=int, default=None, metavar="MIB",
                        help="with --compile inductor on the CPU, write attention whose scores "
                             "for one batch row exceed MIB MiB in blocks of query rows (default "
                             "8, measured on a 2-core Xeon with 2 MiB of L2 a core; 0: never)")
    args = parser.parse_args(argv)
    if args.conv != "aten" and args.device != "cuda":
        parser.error("--conv triton needs --device cuda")
    if args.attention_block_mib is not None:
        if args.compile != "inductor" or args.device != "cpu":
            parser.error("--attention-block-mib needs --compile inductor --device cpu")
        if args.attention_block_mib < 0:
            parser.error(f"--attention-block-mib must be 0 or more, got {args.attention_block_mib}")
    module_name, _, func_name = args.factory.partition(":")
    spec = getattr(importlib.import_module(module_name), func_name)()
    model = spec.pop("model")
    inputs = spec.pop("inputs")
    if args.batch is not None:
        inputs = {k: _rows(v, args.batch) for k, v in inputs.items()}
    if args.device == "cuda" and args.compile != "inductor":
        parser.error("--device cuda needs --compile inductor")
    if args.compile == "inductor":
        if args.device == "cuda":
            from planline_inductor_cuda import export_inductor_cuda  # noqa: E501 pylint: disable=import-outside-toplevel
            export = export_inductor_cuda
        else:
            import planline_inductor  # pylint: disable=import-outside-toplevel
            if args.attention_block_mib is not None:
                planline_inductor.ATTENTION_BLOCK_BYTES = args.attention_block_mib << 20
            export = planline_inductor.export_inductor_cpu
        if args.device == "cuda":
            spec["conv"] = args.conv
        summary = export(model, inputs, args.out_dir, **spec)
        if args.device == "cpu" and not args.no_onnx:
            # the same model for ONNX Runtime, which tools/bench-models.sh runs beside planline
            summary["onnx"] = export_onnx(model, inputs, spec.get("dynamic"),
                                          Path(args.out_dir) / "model.onnx",
                                          spec["output_names"])
        print(json.dumps({k: summary.get(k) for k in ("name", "kernels", "lines",
                                                      "compiled_kernels", "onnx")}, indent=1))
        return 0
    summary = export_model(model, inputs, args.out_dir, onnx=not args.no_onnx, **spec)
    print(json.dumps({k: summary[k] for k in ("name", "kernels", "unsupported", "lines", "onnx")},
                     indent=1))
    return 1 if summary["unsupported"] else 0


if __name__ == "__main__":
    sys.exit(main())
