"""Export a model as Inductor compiled it for an NVIDIA GPU: wrapper lines and Triton cubins.

``export_inductor_cuda`` compiles the module with ``torch.compile`` (Inductor, static shapes:
one folder per batch size), runs it twice on the GPU (the first call autotunes every Triton
kernel down to one configuration), and writes a planline model folder of format version 2
(docs/model-format.md) whose ``compiled`` object is of kind ``inductor-triton``:

- ``program.json``: Inductor's wrapper lines before its own memory planning, as the CPU export
  writes them (``planline_inductor.py``); Triton kernel calls name the kernel and pass the
  kernel's arguments in its order (tensors by buffer name, sizes as numbers); products
  (``extern_kernels.mm`` and kin) become ATen calls that planline runs on cuBLAS;
- ``triton/NAME.cubin`` and ``triton/NAME.ptx``: each kernel as Triton compiled it for this
  GPU, with what launching it needs in ``program.json``: entry name, warps, dynamic shared
  memory, each argument's Triton type, which arguments are launch parameters (constexprs are
  baked in), the scratch pointers Triton appends, and the grid rule Inductor's launcher uses;
- ``weights.safetensors``, ``sample.json`` (``torch.compile``'s output on the GPU) and
  ``model.json``.

The kernels come from Inductor's own objects: the autotuned launcher of each kernel
(``CachingAutotuner.launchers[0]``, kept with its Triton binary by ``triton.store_cubin``, the
setting Inductor's ahead-of-time compiler uses), found in the compiled output module.
"""

from __future__ import annotations

import contextlib
import hashlib
import struct
from pathlib import Path

import torch

from planline_export import DTYPE_NAMES, ExportError
from planline_inductor import (FORMAT_VERSION, _Translator, _index_bounds, check_versions,
                               compile_and_capture_with, inductor_pools, write_folder)

# Grid rules planline's CUDA backend evaluates (Inductor's GridExpr subclasses of the same names).
# FixedGrid: a template kernel's grid, which the wrapper passes as three trailing call arguments
# (Inductor's extra_launcher_args) that the kernel itself does not take.
GRIDS = ("Grid1D", "Grid2D", "Grid3D", "Grid2DWithYZOverflow", "FixedGrid")
SCALARS = {"i32": "i32", "u32": "i32", "i64": "i64", "u64": "i64", "fp32": "f32", "fp64": "f64"}
# store_cubin keeps each launcher's Triton binary (what Inductor's ahead-of-time compiler uses);
# one compile thread keeps the kernels in this process. Settings a PyTorch version lacks are
# left out (store_cubin is required).
CUDA_CONFIG = {"triton.store_cubin": True, "compile_threads": 1, "triton.cudagraphs": False,
               "triton.autotune_at_compile_time": False, "coordinate_descent_tuning": False}
# --conv triton: convolutions as Inductor's Triton templates, autotuned (no ATen choice, so the
# template always wins; the gemm backends must list TRITON for Inductor to offer templates at
# all, and ATen keeps cuBLAS a candidate for products). Under max_autotune_gemm Inductor also
# turns channels-last 1x1 convolutions into products.
TRITON_CONV_CONFIG = {"max_autotune_gemm": True, "max_autotune_gemm_backends": "ATEN,TRITON",
                      "max_autotune_conv_backends": "TRITON", "autotune_in_subproc": False,
                      "benchmark_epilogue_fusion": False}
OPTIONAL = {"triton.autotune_at_compile_time", "coordinate_descent_tuning", "triton.cudagraphs",
            "autotune_in_subproc", "benchmark_epilogue_fusion"}


def _cuda_config(conv="aten"):
    from torch._inductor import config  # pylint: disable=import-outside-toplevel
    known = {}
    wanted = {**CUDA_CONFIG, **(TRITON_CONV_CONFIG if conv == "triton" else {})}
    for key, value in wanted.items():
        owner, _, leaf = key.rpartition(".")
        if hasattr(getattr(config, owner) if owner else config, leaf):
            known[key] = value
        elif key not in OPTIONAL:
            raise ExportError(f"this PyTorch has no {key} setting")
    return known


@contextlib.contextmanager
def _output_modules(found):
    """Records every module with a ``call`` that Inductor loads, and whether it was loaded with
    attributes (a compiled graph's constants: only its output code is)."""
    from torch._inductor.codecache import PyCodeCache  # pylint: disable=import-outside-toplevel
    original = PyCodeCache.load_by_key_path.__func__

    def load(cls, key, path, linemap=None, attrs=None, **kwargs):
        module = original(cls, key, path, linemap, attrs, **kwargs)
        if hasattr(module, "call"):
            found.append((module, attrs is not None))
        return module

    PyCodeCache.load_by_key_path = classmethod(load)
    try:
        yield
    finally:
        PyCodeCache.load_by_key_path = classmethod(original)


@contextlib.contextmanager
def _math_attention():
    """Attention that reaches ATen is traced in its math form (products around a softmax, which
    Inductor fuses), never as the fused CUDA operators planline does not run."""
    try:
        from torch.nn.attention import SDPBackend, sdpa_kernel  # noqa: E501 pylint: disable=import-outside-toplevel
    except ImportError:
        yield
        return
    with sdpa_kernel([SDPBackend.MATH]):
        yield


def cubin_params(cubin, entry):
    """(offset, size) of each parameter of ``entry`` as the cubin declares it.

    Read from the ELF section ``.nv.info.ENTRY``: its ``EIATTR_KPARAM_INFO`` records (attribute
    0x17, 12 bytes: index u32, ordinal u16, offset u16, flags u32 whose top 14 bits are the
    size). planline's loader reads the same records (``CubinInfo.java``).
    """
    if cubin[:4] != b"\x7fELF":
        raise ExportError(f"{entry}: the cubin is not an ELF file")
    shoff = struct.unpack_from("<Q", cubin, 0x28)[0]
    entsize, count, names_index = struct.unpack_from("<HHH", cubin, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", cubin, shoff + i * entsize)
                for i in range(count)]
    names_at = sections[names_index][4]

    def name(offset):
        start = names_at + offset
        return cubin[start:cubin.index(b"\0", start)].decode()

    for section in sections:
        if name(section[0]) == ".nv.info." + entry:
            data = cubin[section[4]:section[4] + section[5]]
            params, i = {}, 0
            while i < len(data):
                fmt, attr = data[i], data[i + 1]
                if fmt == 4:  # EIFMT_SVAL: u16 size, then the value
                    size = struct.unpack_from("<H", data, i + 2)[0]
                    if attr == 0x17:
                        _, ordinal, offset, flags = struct.unpack_from("<IHHI", data, i + 4)
                        params[ordinal] = (offset, flags >> 18)
                    i += 4 + size
                elif fmt == 1:
                    i += 2
                else:
                    i += 4
            return [params[k] for k in sorted(params)]
    raise ExportError(f"{entry}: the cubin has no .nv.info.{entry} section")


class _CudaTranslator(_Translator):
    """The CPU translator with Triton kernel calls instead of C++ ones."""

    device = "cuda:0"
    weight_strides = False  # GPU exports keep contiguous weights (the CUDA upload assumes it)

    def __init__(self, *args, module, out_dir, **kwargs):
        super().__init__(*args, sources={}, **kwargs)
        self.module = module
        self.out_dir = Path(out_dir)
        self.triton = {}

    def _KernelCallLine(self, f, where):
        name = f["kernel_name"]
        if not f.get("triton"):
            raise ExportError(f"{where}: kernel {name} is not a Triton kernel")
        spec = self.triton.get(name) or self._kernel(name, where)
        self.triton[name] = spec
        values = list(f["call_args"])
        if len(values) != len(spec["args"]):
            raise ExportError(f"{where}: {name} takes {spec['args']}, the wrapper passes "
                              f"{values}")
        args, outs, numbers = [], [], {}
        for text, arg, kind in zip(values, spec["args"], spec["arg_kinds"]):
            if kind == "ptr":
                args.append(self.name_of(str(text)))
                if arg.startswith(("out_ptr", "in_out_ptr")):
                    outs.append(args[-1])
            else:
                args.append(self.scalar(str(text), f"{where}, kernel {name}"))
                numbers[arg] = args[-1]
        self._check_grid(name, spec, numbers, where)
        self.kernels.add(name)
        self.lines.append({"kind": "KernelCallLine", "kernel_name": name, "outputs": outs,
                           "call_args": args})

    def _kernel(self, name, where):
        """Writes the kernel's cubin and PTX; returns its program.json entry."""
        autotuner = getattr(self.module, name, None)
        if autotuner is None or not getattr(autotuner, "launchers", None):
            raise ExportError(f"{where}: kernel {name} is not in the compiled module")
        if len(autotuner.launchers) != 1:
            raise ExportError(f"{where}: kernel {name} still has {len(autotuner.launchers)} "
                              "configurations after running (autotuning did not finish)")
        launcher = autotuner.launchers[0]
        binary = getattr(launcher, "bin", None)
        if binary is None:
            raise ExportError(f"{where}: kernel {name}: the launcher kept no binary "
                              "(triton.store_cubin did not take effect)")
        meta = binary.metadata
        grid_type = autotuner.inductor_meta.get("grid_type")
        if grid_type not in GRIDS:
            raise ExportError(f"{where}: kernel {name} uses grid {grid_type}; planline "
                              f"evaluates {', '.join(GRIDS)}")
        if getattr(meta, "num_ctas", 1) != 1 or tuple(getattr(meta, "cluster_dims", (1, 1, 1))
                                                       ) not in ((1, 1, 1), (0, 0, 0)):
            raise ExportError(f"{where}: kernel {name} launches thread-block clusters")
        if getattr(meta, "launch_cooperative_grid", False) or getattr(meta, "launch_pdl", False):
            raise ExportError(f"{where}: kernel {name} needs launch attributes")
        signature = dict(autotuner.triton_meta["signature"])
        # FixedGrid's grid values: passed by the call, read by the grid rule, never launched
        signature.update({a: "i64" for a in autotuner.inductor_meta.get("extra_launcher_args",
                                                                         ())})
        kinds = []
        for arg in launcher.def_args:
            kind = signature.get(arg)
            if kind is None:
                raise ExportError(f"{where}: kernel {name}: argument {arg} is not in its "
                                  "signature")
            if kind.startswith("*"):
                kinds.append("ptr")
            elif kind == "constexpr":
                # a size Triton specialised into the binary (xnumel = 1): the call still passes
                # it, the grid rule reads it, the launch leaves it out
                kinds.append("i64")
            elif kind in SCALARS:
                kinds.append(SCALARS[kind])
            else:
                raise ExportError(f"{where}: kernel {name}: argument {arg} has Triton type "
                                  f"{kind}, which planline cannot pass")
        launched = [launcher.def_args.index(a) for a in launcher.call_args]
        scratch = []
        for field in ("global_scratch_size", "profile_scratch_size"):
            if hasattr(meta, field):
                if getattr(meta, field):
                    raise ExportError(f"{where}: kernel {name} needs {getattr(meta, field)} "
                                      f"bytes of {field.split('_')[0]} scratch memory")
                scratch.append(field.split("_")[0])
        cubin, ptx = binary.asm["cubin"], binary.asm.get("ptx")
        entry = meta.name
        declared = cubin_params(cubin, entry)
        if len(declared) != len(launched) + len(scratch):
            raise ExportError(f"{where}: kernel {name}: the cubin declares {len(declared)} "
                              f"parameters, the launcher passes {len(launched)} plus "
                              f"{len(scratch)} scratch pointers")
        folder = self.out_dir / "triton"
        folder.mkdir(exist_ok=True)
        (folder / f"{name}.cubin").write_bytes(cubin)
        spec = {"entry": entry, "cubin": f"triton/{name}.cubin",
                "sha256": hashlib.sha256(cubin).hexdigest(),
                "num_warps": int(meta.num_warps), "shared_bytes": int(meta.shared),
                "args": list(launcher.def_args), "arg_types": [signature[a] for a in
                                                               launcher.def_args],
                "arg_kinds": kinds, "params": [kinds[i] for i in launched],
                "launched": launched, "scratch": scratch,
                "grid": {"type": grid_type, "blocks": {
                    k: int(v) for k, v in launcher.config.kwargs.items()
                    if k in ("XBLOCK", "YBLOCK", "ZBLOCK")}},
                "target": str(getattr(meta, "target", "")), "config": {
                    k: int(v) for k, v in launcher.config.kwargs.items()}}
        if ptx:
            (folder / f"{name}.ptx").write_text(ptx)
            spec["ptx"] = f"triton/{name}.ptx"
        spec["_grid_expr"] = (autotuner.inductor_meta, launcher.config)
        return spec

    def _text(self, text, where):
        # the wrapper fetches the current CUDA stream once; planline launches on the request's
        if text.strip().startswith("stream") and "get_raw_stream(" in text:
            return
        super()._text(text, where)

    @staticmethod
    def _check_grid(name, spec, numbers, where):
        """The grid planline will compute (docs/model-format.md) equals Inductor's own."""
        from torch._inductor.runtime.triton_heuristics import GridExpr  # noqa: E501 pylint: disable=import-outside-toplevel
        meta, config = spec["_grid_expr"]
        try:
            values = {k: int(v) for k, v in numbers.items()}
        except ValueError as exc:
            raise ExportError(f"{where}: kernel {name}: sizes {numbers} are symbolic; the CUDA "
                              "export is static (one folder per batch size)") from exc
        theirs = GridExpr.from_meta(meta, config).eval_slow(values)
        mine = grid(spec["grid"], values)
        if tuple(theirs) != tuple(mine):
            raise ExportError(f"{where}: kernel {name}: grid {mine} differs from Inductor's "
                              f"{theirs}")


def _ceildiv(n, block):
    return -(n // -block)


def grid(rule, numbers):
    """The launch grid of ``rule`` (``{"type", "blocks"}``) for the call's sizes."""
    if rule["type"] == "FixedGrid":
        return numbers["_grid_0"], numbers["_grid_1"], numbers["_grid_2"]
    blocks = rule["blocks"]
    x = _ceildiv(numbers["xnumel"], blocks.get("XBLOCK", 1))
    if rule["type"] == "Grid1D":
        return x, 1, 1
    y = _ceildiv(numbers["ynumel"], blocks.get("YBLOCK", 1))
    if rule["type"] == "Grid2D":
        return x, y, 1
    if rule["type"] == "Grid3D":
        return x, y, _ceildiv(numbers["znumel"], blocks.get("ZBLOCK", 1))
    split = _ceildiv(y, 65535)
    return x, (0 if split == 0 else _ceildiv(y, split)), split


def export_inductor_cuda(model, inputs, out_dir, *, name, output_names, dynamic=None,
                         description="", metadata=None, weights=True, log=print, conv="aten",
                         **_ignored):
    """Write a format-2 model folder of ``model`` compiled by Inductor for GPU 0."""
    check_versions()
    if not torch.cuda.is_available():
        raise ExportError("--device cuda needs a GPU that PyTorch can use")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = model.eval().cuda()
    user_args = [t.cuda() for t in inputs.values()]
    modules = []
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    with _output_modules(modules), _math_attention():
        capture, compiled_outputs = compile_and_capture_with(
            model, user_args, inputs, None, device_config=_cuda_config(conv), runs=2)
    # autotuning loads benchmark modules with a ``call`` of their own; the graph's output code
    # is the one module loaded with the graph's constants as attributes
    graphs = list({m.__file__: m for m, with_attrs in modules if with_attrs}.values())
    if len(graphs) != 1:
        raise ExportError(f"Inductor loaded {len(graphs)} output modules of a graph (of "
                          f"{len(modules)} with a call); expected one")
    t = _CudaTranslator(capture.graphs[0], capture.example_inputs, model, user_args,
                        list(inputs), output_names, None, module=graphs[0], out_dir=out)
    outputs = t.translate()
    for spec in t.triton.values():
        spec.pop("_grid_expr")
    program = {"format": "planline-program", "version": FORMAT_VERSION, "name": name,
               "symbols": [], "symbol_bounds": {}, "inputs": t.inputs, "outputs": outputs,
               "weights": t.weights, "kernels": sorted(t.kernels),
               "compiled": {"kind": "inductor-triton", "torch_version": torch.__version__,
                            "triton_version": _triton_version(),
                            "device": torch.cuda.get_device_name(),
                            "capability": "sm_%d%d" % torch.cuda.get_device_capability(),
                            "kernels": t.triton},
               "index_bounds": _index_bounds(capture, user_args, list(inputs)),
               "inductor_pools": inductor_pools(capture.graphs[0], inputs), "lines": t.lines}
    write_folder(out, program, t.weight_values if weights else None, "planline_inductor_cuda",
                 (model, inputs, dict(zip(inputs, user_args))), compiled_outputs, output_names,
                 "torch.compile (Inductor, CUDA, TF32 off)",
                 {"name": name, "description": description, "symbols": {},
                  "compiled_with": f"torch {torch.__version__} inductor, triton "
                                   f"{_triton_version()}, {program['compiled']['capability']}",
                  **(metadata or {})}, log)
    return {"name": name, "kernels": program["kernels"], "lines": len(t.lines),
            "compiled_kernels": len(t.triton), "program": program}


def _triton_version():
    try:
        import triton  # pylint: disable=import-outside-toplevel
        return triton.__version__
    except ImportError:
        return "none"


__all__ = ["export_inductor_cuda", "cubin_params", "grid", "DTYPE_NAMES"]
