"""Export a model as Inductor compiled it for the CPU: wrapper lines, C++ kernels, a library.

``export_inductor_cpu`` compiles the module with ``torch.compile`` (Inductor, symbolic in the
dimensions the spec marks dynamic), captures what Inductor's Python wrapper holds just before its
own memory planning — its line objects (``AllocateLine``, ``FreeIfNotReusedLine``, ``ReuseLine``,
``KernelCallLine``, ``ExternKernelOutLine``) and the IR nodes they carry — and writes a planline
model folder of format version 2, or 3 where a weight is strided. The graph is frozen
(``CPU_CONFIG``): its weights are the compiled graph's constants, batch norms folded into the
convolutions before them and convolution weights in the channels-last order Inductor's kernels
read (docs/model-format.md):

- ``program.json``: those lines in the format's vocabulary, Inductor's buffer names, sizes and
  strides kept; extern products (``extern_kernels.mm`` and kin) become ATen ``KernelCallLine``s
  that planline runs itself (OpenBLAS); views they read become ``ReinterpretLine``s;
- ``kernels.cpp``: Inductor's C++ source of every kernel, each under its own entry name;
- ``kernels-avx2.so``: that source compiled by Inductor's own builder for x86-64 with AVX2 (the
  vector width is pinned at code generation, ``cpp.simdlen = 256``, so the library runs on every
  AVX2 machine); at run time it needs only libc, libm, GCC's OpenMP runtime (libgomp1) and
  SLEEF's vector math (libsleef3), both Debian packages;
- ``kernels-avx512.cpp`` and ``kernels-avx512.so``: the same graph generated again for 512-bit
  vectors (``cpp.simdlen = 512``) and built for AVX-512, which planline loads instead where the
  processor has it; written only when the second generation gives the same lines and kernels;
- ``weights.safetensors`` (those constants; a parameter used as it is keeps its state-dict key,
  a folded one is named after the constant), ``sample.json`` (the compiled module's output),
  ``model.json``.

Nothing is parsed out of generated Python: lines, nodes and kernel sources come from Inductor's
objects through three hooks (``PythonWrapperCodegen.memory_plan_reuse`` and ``define_kernel``,
and the dynamo backend that hands the graph to Inductor). Anything outside what planline runs —
an ATen fallback, a multi-output extern kernel, an extern product it has no kernel for — stops
the export with an error naming it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import torch
from torch._inductor import config as inductor_config
from torch._inductor.codegen import wrapper as inductor_wrapper
from torch._inductor.compile_fx import compile_fx
from torch._inductor.custom_graph_pass import CustomGraphPass

from planline_export import (DTYPE_NAMES, batch_dim, SUPPORTED_KERNELS, ExportError,
                             physical_order, run_eager, write_safetensors, write_sample)
from planline_graph_passes import additive_masks, contiguous_shared_permutes, dense_constants
from planline_symbolic import print_expr, rename_symbols

FORMAT_VERSION = 2
# A program whose weights carry strides (channels-last convolution weights): a reader that ignored
# the stride would read them in the wrong order, so such programs say version 3.
STRIDED_WEIGHTS_VERSION = 3
# Versions whose wrapper-line classes and builder this capture was written and checked against.
SUPPORTED_TORCH = ("2.11", "2.12", "2.13")

# Inductor's IR nodes of oneDNN's fused convolutions (torch/_inductor/mkldnn_ir.py) -> how many
# tensors come before the bias in the operator's schema (input, [other,] weight).
FUSED_CONVOLUTIONS = {"ConvolutionUnary": 2, "ConvolutionBinary": 3,
                      "ConvolutionBinaryInplace": 3}
# extern_kernels.<name> -> (ATen overload, argument order of its schema).
EXTERN_PRODUCTS = {
    "extern_kernels.mm": "aten.mm.default",
    "extern_kernels.addmm": "aten.addmm.default",
    "extern_kernels.bmm": "aten.bmm.default",
    "extern_kernels.baddbmm": "aten.baddbmm.default",
}
ARG_KINDS = {"float*": "ptr", "const float*": "ptr", "int64_t*": "ptr", "const int64_t*": "ptr",
             "int32_t*": "ptr", "const int32_t*": "ptr", "bool*": "ptr", "const bool*": "ptr",
             "uint8_t*": "ptr", "const uint8_t*": "ptr", "double*": "ptr",
             "const double*": "ptr", "const int64_t": "i64", "int64_t": "i64",
             "const int32_t": "i32", "int32_t": "i32", "const double": "f64", "double": "f64",
             "const float": "f32", "float": "f32"}


def check_versions():
    version = torch.__version__.split("+")[0]
    if not version.startswith(SUPPORTED_TORCH):
        raise ExportError(f"PyTorch {torch.__version__} is not supported by the Inductor "
                          f"exporter (supported: {', '.join(SUPPORTED_TORCH)}); its wrapper-line "
                          "classes may differ")


class _Capture:
    """What the hooks saw: the placeholders' tensors, the unplanned lines, the kernel sources."""

    def __init__(self):
        self.example_inputs = None
        self.lookups = []         # (indices placeholder, table rows) of each embedding
        self.graphs = []          # one snapshot per compiled graph
        self.sources = {}         # kernel name -> C++ source (entry point still named `kernel`)

    def snapshot(self, wrapper):
        from torch._inductor.virtualized import V  # pylint: disable=import-outside-toplevel
        graph = V.graph
        # The line objects are mutated by the planning that follows: record them now.
        lines = [_line_record(line, graph) for line in wrapper.lines]
        self.graphs.append({
            "lines": lines,
            "input_names": list(graph.graph_input_names),
            "inputs": {n: graph.graph_inputs[n] for n in graph.graph_input_names},
            "outputs": list(graph.graph_outputs),
            # freezing turns parameters (and what is folded from them) into named constants
            "constants": dict(graph.constants),
            "inductor_pools": _inductor_pools(wrapper),
        })


def inductor_pools(graph, inputs):
    """program.json's ``inductor_pools``: Inductor's pools for ``graph`` and the input shapes
    they were sized at (the sample's)."""
    return {"inputs": {k: list(v.shape) for k, v in inputs.items()},
            "pools": graph["inductor_pools"]}


def _inductor_pools(wrapper):
    """What Inductor's own pool planner (``config.memory_planning``, memory_planning.py) makes
    of the same lines: the size of each pool it would allocate, in bytes, at the example shapes.
    The reference that ``plan`` shows beside planline's plans; it changes nothing that runs."""
    from torch._inductor.codegen.memory_planning import MemoryPlanner  # pylint: disable=import-outside-toplevel
    # the planner clears delete_old on the ReuseLines it pools; the reuse planning that really
    # runs afterwards must see them as they were
    reuse = [(line, line.delete_old) for line in wrapper.lines
             if type(line).__name__ == "ReuseLine"]
    try:
        planner = MemoryPlanner(wrapper)
        planner.plan(list(wrapper.lines))
        return [{"device": str(device), "bytes": int(pool.root.get_size_hint())}
                for device, pools in planner.pools.device_to_pools.items() for pool in pools]
    except Exception as exc:  # noqa: BLE001 - a reference only: say why it is missing
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}
    finally:
        for line, delete_old in reuse:
            line.delete_old = delete_old


def _line_record(line, graph):
    kind = type(line).__name__
    if isinstance(line, str):
        return ("Text", line)
    allocated = {"AllocateLine": "node", "ReuseLine": "reused_as"}.get(kind)
    fields = {}
    for key in ("node", "reused_as", "layout", "delete_old", "kernel_name", "call_args",
                "arg_types", "triton", "is_reused", "result_name", "arg_name", "raw_keys"):
        if hasattr(line, key):
            value = getattr(line, key)
            fields[key] = list(value) if isinstance(value, (list, tuple)) else value
    if allocated and hasattr(graph, "get_allocation_storage_size"):
        # What Inductor allocates, which may exceed the layout's span (room left for a later
        # in-place padding): its reuse pool matches buffers by it, so a reuse may pair two
        # layouts of different spans with one allocation size (ViT-B/16 at batch 1 on the GPU).
        fields["allocation"] = graph.get_allocation_storage_size(getattr(line, allocated))
    return (kind, fields)


# Attention whose scores for one batch row would take more than this many bytes is computed in
# blocks of query rows, so that each block's scores are still near the cores when the softmax
# reads them and the second product reads the softmax's result. Whisper's encoder (6 heads,
# 1,500 positions) writes 54 MB of scores a layer in one piece, and its softmax took 10.8 ms a
# layer against ONNX Runtime's 5.9 (session 33). Blocks of 2, 4, 8, 16 and 32 MiB were measured on the
# 2-core Xeon (2 MiB of L2 a core; docs/benchmarks.md, session 34): 8 and 16 were fastest,
# smaller blocks made the products slower than the memory they save. 0: never in blocks
# (planline_export.py --attention-block-mib).
ATTENTION_BLOCK_BYTES = 8 << 20


def _attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
               enable_gqa=False):
    """``scaled_dot_product_attention`` written out (two products around a softmax).

    On the CPU Inductor leaves the fused operator to an ATen fallback that planline does not
    run; written out, Inductor fuses the scaling, masking and softmax into its own kernels and
    the two products go to OpenBLAS. Long sequences run in blocks of query rows
    (``ATTENTION_BLOCK_BYTES``).
    """
    if dropout_p:
        raise ExportError("scaled_dot_product_attention with dropout (export in eval mode)")
    if enable_gqa:
        groups = query.size(-3) // key.size(-3)
        key = key.repeat_interleave(groups, -3)
        value = value.repeat_interleave(groups, -3)
    scale = 1.0 / math.sqrt(query.size(-1)) if scale is None else scale
    queries, keys = query.size(-2), key.size(-2)
    if is_causal:
        causal = torch.ones(queries, keys, dtype=torch.bool, device=query.device).tril()
        attn_mask = causal if attn_mask is None else _combined_masks(causal, attn_mask)
    rows = _query_block_rows(query, key)
    if rows is None:
        return _attention_block(query, key, value, attn_mask, scale)
    blocks = []
    for start in range(0, queries, rows):
        mask = attn_mask
        if mask is not None and mask.dim() >= 2 and mask.size(-2) != 1:
            mask = mask[..., start:start + rows, :]
        blocks.append(_attention_block(query[..., start:start + rows, :], key, value, mask,
                                       scale))
    return torch.cat(blocks, dim=-2)


def _attention_block(query, key, value, attn_mask, scale):
    scores = torch.matmul(query, key.transpose(-2, -1)) * scale
    if attn_mask is not None:
        scores = scores.masked_fill(~attn_mask, float("-inf")) if attn_mask.dtype == torch.bool \
            else scores + attn_mask
    return torch.matmul(torch.softmax(scores, dim=-1), value)


def _combined_masks(causal, attn_mask):
    # a causal attention with a mask of its own as well: one mask, in the second mask's kind
    if attn_mask.dtype == torch.bool:
        return causal & attn_mask
    return attn_mask.masked_fill(~causal, float("-inf"))


def _query_block_rows(query, key):
    """Query rows per block, or None to compute the attention whole: only where the sequence
    lengths and heads are fixed numbers (a block count must not depend on a request's shape)."""
    sizes = [query.size(-2), key.size(-2)] + list(query.shape[1:-2])
    if ATTENTION_BLOCK_BYTES <= 0 or not all(isinstance(n, int) for n in sizes):
        return None
    per_query = query.element_size() * key.size(-2) * math.prod(query.shape[1:-2])
    if per_query * query.size(-2) <= ATTENTION_BLOCK_BYTES:
        return None
    blocks = -(-query.size(-2) * per_query // ATTENTION_BLOCK_BYTES)
    return -(-query.size(-2) // blocks)


def _decompositions():
    """Inductor's table plus a math form of the CPU's fused attention operator, which Inductor
    would otherwise leave to ATen (an attention that reached ATen without going through the
    patched ``torch.nn.functional``, such as BERT's in transformers 5), CPU convolutions
    with few taps written out (``_taps_convolution``), and average pools whose one window covers
    the whole input as means (``_whole_window_avg_pool``)."""
    from torch._inductor.decomposition import select_decomp_table  # noqa: E501 pylint: disable=import-outside-toplevel
    table = dict(select_decomp_table())
    table[torch.ops.aten._scaled_dot_product_flash_attention_for_cpu.default] = _cpu_attention
    table[torch.ops.aten.convolution.default] = _taps_convolution
    table[torch.ops.aten.view.default] = _flattening_view
    table[torch.ops.aten.avg_pool2d.default] = _whole_window_avg_pool
    return table


def _whole_window_avg_pool(x, kernel_size, stride=(), padding=0, ceil_mode=False,
                           count_include_pad=True, divisor_override=None):
    # A global average pool written as AvgPool2d with a window as large as the input or larger
    # (transformers' EfficientNet: a 1280x1280 window, ceil_mode, over 7x7). Inductor loops over
    # the whole window for each output: 204 ms for [1, 1280, 7, 7] compiled, 8 us in eager
    # PyTorch (session 32). Without padding, a window at least as large as the input in both
    # dimensions leaves one output per channel (a pool the model could run at all: ATen refuses
    # one with none), the mean of the whole input.
    kernel = list(kernel_size) * (2 if len(kernel_size) == 1 else 1)
    pads = [padding] if isinstance(padding, int) else list(padding)
    if (x.dim() not in (3, 4) or divisor_override is not None or any(pads)
            or not all(isinstance(n, int) and k >= n for n, k in zip(x.shape[-2:], kernel))):
        return NotImplemented
    return x.mean(dim=(-2, -1), keepdim=True)


# A CPU convolution whose every output reads at most this many inputs (input channels x kernel
# height x kernel width) is written out as that many shifted multiply-adds, which Inductor fuses
# with what surrounds it into one vectorised kernel. oneDNN has no fast path for so little work
# per output: digits-cnn's 1 -> 16 channel 3x3 convolution at [64,1,8,8] took 70-85 us there
# (`jit_uni_ncsp`), plus a 15 us kernel to put its NCHW result into channels-last order.
SMALL_CONV_TAPS = 9


def _taps_convolution(x, weight, bias, stride, padding, dilation, transposed, output_padding,
                      groups):
    if (transposed or groups != 1 or x.dim() != 4 or x.device.type != "cpu"
            or weight.shape[1] * weight.shape[2] * weight.shape[3] > SMALL_CONV_TAPS):
        return NotImplemented
    channels, kh, kw = weight.shape[1], weight.shape[2], weight.shape[3]
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    oh = (x.shape[2] + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (x.shape[3] + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    padded = torch.constant_pad_nd(x, [pw, pw, ph, ph])
    out = None
    for c in range(channels):
        for i in range(kh):
            for j in range(kw):
                tap = padded[:, c:c + 1, i * dh:i * dh + (oh - 1) * sh + 1:sh,
                             j * dw:j * dw + (ow - 1) * sw + 1:sw]
                term = tap * weight[:, c, i, j].contiguous().reshape(1, -1, 1, 1)
                out = term if out is None else out + term
    return out if bias is None else out + bias.reshape(1, -1, 1, 1)


def _flattening_view(x, size):
    # A CNN's head flattens [N, C, H, W] into [N, C*H*W] in NCHW order. Inductor lays the CPU's
    # convolution outputs out channels-last, so that view is a copy, and Inductor writes it
    # as a scalar loop over the flattened index with a division and a remainder per element
    # (digits-cnn's max pool: 18-26 us per 32 rows). Copying into NCHW strides first gives
    # the copy its own four loops, which Inductor vectorises as a transpose, and the view is
    # then free. Spatially 1x1 tensors (ResNet's pooled features) are in the same order both
    # ways and are left alone.
    if (_FLATTENING.active or x.dim() != 4 or len(size) != 2 or x.device.type != "cpu"
            or size[0] != x.shape[0] or x.shape[1] == 1 or x.shape[2] * x.shape[3] == 1):
        return NotImplemented
    c, h, w = x.shape[1], x.shape[2], x.shape[3]
    # the copy's own tracing views its input the same way: those views stay plain
    _FLATTENING.active = True
    try:
        nchw = torch.ops.prims.copy_strided.default(x, (c * h * w, h * w, w, 1))
        return torch.ops.aten._unsafe_view.default(nchw, size)
    finally:
        _FLATTENING.active = False


class _Flattening(threading.local):
    active = False


_FLATTENING = _Flattening()


def _cpu_attention(query, key, value, dropout_p=0.0, is_causal=False, *, attn_mask=None,
                   scale=None):
    # PyTorch's own decomposition of this operator declines symbolic batch sizes (it returns
    # NotImplemented and the operator stays); this one is the math form, valid for any shape.
    out = _attention(query, key, value, attn_mask, dropout_p, is_causal, scale)
    # the operator returns its result laid out [batch, sequence, heads, dim] and transposed
    out = out.transpose(1, 2).contiguous().transpose(1, 2)
    scores = torch.matmul(query, key.transpose(-2, -1)) * (
        1.0 / query.size(-1) ** 0.5 if scale is None else scale)
    return out, torch.logsumexp(scores, dim=-1)


@contextlib.contextmanager
def _written_out_attention():
    original = torch.nn.functional.scaled_dot_product_attention
    torch.nn.functional.scaled_dot_product_attention = _attention
    try:
        yield
    finally:
        torch.nn.functional.scaled_dot_product_attention = original


def _embedding_lookups(gm, example_inputs):
    """(indices placeholder, rows of the table) of every embedding that indexes a graph input.

    Inductor's kernels check indices themselves, but a failed check there aborts the process;
    the runtime checks these inputs before running instead (``index_bounds``). The table is a
    placeholder, or with the parameters frozen into the graph an attribute of it.
    """
    placeholders = [n for n in gm.graph.nodes if n.op == "placeholder"]
    targets = (torch.nn.functional.embedding, torch.ops.aten.embedding.default)
    found = []
    for node in gm.graph.nodes:
        if node.op == "call_function" and node.target in targets:
            indices, table = _through_views(node.args[0]), node.args[1]
            if indices not in placeholders:
                continue
            if table in placeholders:
                rows = example_inputs[placeholders.index(table)].shape[0]
            elif table.op == "get_attr":
                rows = _attribute(gm, table.target).shape[0]
            else:
                continue
            found.append((placeholders.index(indices), int(rows)))
    return found


# Reshapes that keep every index value (GPT-2 views its input_ids before the lookup).
_VIEW_METHODS = frozenset({"view", "reshape", "flatten", "unsqueeze", "squeeze", "contiguous"})
_VIEW_FUNCTIONS = (torch.reshape, torch.flatten, torch.unsqueeze, torch.squeeze)


def _through_views(node):
    """The node whose values ``node`` holds, found back through reshapes."""
    while getattr(node, "op", None) in ("call_method", "call_function") and node.args and (
            (node.op == "call_method" and node.target in _VIEW_METHODS)
            or (node.op == "call_function" and node.target in _VIEW_FUNCTIONS)):
        node = node.args[0]
    return node


def _attribute(module, dotted):
    for part in dotted.split("."):
        module = getattr(module, part)
    return module


# use_decompose_tanh: tanh as 2 / (1 + exp(-2x)) - 1 instead of SLEEF's tanhf8_u10, which took
# 2.08 ns per element against 0.51 for the exp form in a C loop over 262,144 floats on the 2-core
# AVX2 build machine (tiny-gpt's tanh-GELU kernels were 14% of its [8, 64] run); the exp form
# stays far inside the 1e-4 relative error the models are checked to.
# freezing: the weights become constants of the compiled graph, so Inductor folds what depends
# only on them once, at export: eval-mode batch norm into the convolution before it (weights and
# a bias), transposes and channels-last copies of weights into constants laid out as the kernels
# read them. Without it every request ran ResNet-50's 53 batch norms and copied 17 convolution
# weights into channels-last order. cpp.weight_prepack: Inductor then writes each convolution as
# oneDNN's fused `mkldnn._convolution_pointwise` (and its `.binary` forms), with the ReLU, the
# residual addition or another pointwise function after it folded in, which planline runs as one
# oneDNN call with post-ops (kernel/ConvPointwiseOps). The packed weights are written back in
# PyTorch's own layout (planline packs them itself); products stay `addmm` / `mm` (see
# _hooks). ResNet-50 [1,3,224,224] had spent 2.1 ms of its 30 in separate ReLU and
# addition kernels.
# cpp.dynamic_threads: the kernels take their thread count from OpenMP when they run, not from
# the exporting machine. Without it a reduction over a whole tensor keeps one partial result
# per thread in an array sized by the exporter's core count (`tmp_acc0_arr[2]` when exported on
# 2 cores) and indexed by the thread's number, so a machine with more cores wrote past its end.
# cpp.threads 64: Inductor decides how many loops to share among threads as if there were 64,
# so kernels whose outer loop is the (symbolic) batch also share the next loop (ResNet-50's max
# pool and GPT-2's softmax had run on one thread at batch 1); with dynamic_threads it is not
# written into the code (`#pragma omp parallel`, no num_threads).
# cpp.enable_concat_linear: products of one input by two or three frozen weights (attention's
# query, key and value projections in BERT and ViT) become one product by the weights side by
# side, split into views after it: one wider product instead of three narrow ones, each of
# which paid its own call and split its few columns over the threads (docs/benchmarks.md,
# "Session 31"). GPT-2's projection is one layer already.
CPU_CONFIG = {"cpp.simdlen": 256, "cpp.march": "x86-64-v3", "cpp.use_decompose_tanh": True,
              "freezing": True, "cpp.weight_prepack": True, "cpp.dynamic_threads": True,
              "cpp.threads": 64, "cpp.enable_concat_linear": True}
# The second build: 512-bit vectors, for processors with AVX-512 (F, BW, DQ, VL). Measured on
# the 2-core AVX-512 build machine, tiny-gpt [8, 64] (`run --profile 400`, alternated twice):
# softmax 0.41 -> 0.33 ms per run, GELU 0.34-0.38 -> 0.22-0.25, all kernels 3.55-3.63 -> 3.32-3.39.
AVX512_CONFIG = {**CPU_CONFIG, "cpp.simdlen": 512}
# Each build's library file, instruction-set class in Inductor's cpu_vec_isa, and its source file.
BUILDS = {"avx2": ("kernels-avx2.so", "VecAVX2", "kernels.cpp"),
          "avx512": ("kernels-avx512.so", "VecAVX512", "kernels-avx512.cpp")}


@contextlib.contextmanager
def _hooks(capture, device_config):
    cls = inductor_wrapper.PythonWrapperCodegen
    plan_reuse, define_kernel = cls.memory_plan_reuse, cls.define_kernel

    def memory_plan_reuse(self):
        capture.snapshot(self)
        return plan_reuse(self)

    def define(self, kernel_name, kernel_body, metadata=None, gpu=True, cpp_definition=None):
        if not gpu and cpp_definition is not None:
            # The body is `async_compile.cpp_pybinding(TYPES, r'''` + source + `''')`: the
            # source is every line between the first and the last.
            lines = kernel_body.strip().splitlines()
            capture.sources[kernel_name] = "\n".join(lines[1:-1]) + "\n"
        return define_kernel(self, kernel_name, kernel_body, metadata, gpu, cpp_definition)

    cls.memory_plan_reuse, cls.define_kernel = memory_plan_reuse, define
    # Inductor's joint-graph pass rewrites written-out attention (BERT's, any matmul-softmax-
    # matmul) back into the CPU's fused attention operator, an ATen fallback planline does not
    # run; without its patterns the attention stays in Inductor's own kernels and products.
    from torch._inductor.fx_passes import fuse_attention  # pylint: disable=import-outside-toplevel
    sfdp_init = fuse_attention._sfdp_init
    fuse_attention._sfdp_init = lambda *args, **kwargs: None
    # With cpp.weight_prepack, Inductor would also pack float32 linear layers for MKL's
    # `mkl._mkl_linear`, an opaque MKL format planline cannot read; it does so only where
    # PyTorch was built with MKL, so the export says it was not, and products stay `addmm`.
    has_mkl = torch._C.has_mkl
    torch._C.has_mkl = False
    try:
        with inductor_config.patch({"force_disable_caches": True, "freezing": False,
                                    "cpp_wrapper": False, "memory_planning": False,
                                    "max_autotune": False,
                                    "joint_custom_pre_pass": _GraphPasses(),
                                    "post_grad_custom_post_pass": _FrozenGraphPasses(),
                                    **device_config}):
            yield
    finally:
        cls.memory_plan_reuse, cls.define_kernel = plan_reuse, define_kernel
        fuse_attention._sfdp_init = sfdp_init
        torch._C.has_mkl = has_mkl


def fold_zero_pads(graph):
    """Gives each convolution whose input is a zero pad equal on both sides of each dimension
    (and used by nothing else) that padding itself, and drops the pad. transformers pads as
    TensorFlow's "SAME" does, explicitly before each convolution (MobileNetV2): each pad was a
    kernel copying the activations, 18 of them 1.2 ms of a 7.7 ms MobileNetV2 run at batch 1
    (docs/benchmarks.md, session 32). A pad wider on one side (a stride-2 "SAME") stays."""
    aten = torch.ops.aten
    for conv in list(graph.nodes):
        if conv.op != "call_function" or conv.target is not aten.convolution.default:
            continue
        x, weight, bias, stride, padding, dilation, transposed, output_padding, groups = conv.args
        if (transposed or any(padding) or len(padding) != 2
                or getattr(x, "target", None) is not aten.constant_pad_nd.default
                or len(x.users) != 1):
            continue
        pads = list(x.args[1])
        value = x.args[2] if len(x.args) > 2 else x.kwargs.get("value", 0)
        if (value != 0 or len(pads) != 4 or pads[0] != pads[1] or pads[2] != pads[3]
                or min(pads) < 0):
            continue
        # constant_pad_nd lists the last dimension first: [left, right, top, bottom]
        conv.args = (x.args[0], weight, bias, stride, [pads[2], pads[0]], dilation, transposed,
                     output_padding, groups)
        graph.erase_node(x)


class _GraphPasses(CustomGraphPass):
    """``fold_zero_pads``, ``contiguous_shared_permutes`` and ``additive_masks`` as Inductor's
    joint-graph pre-pass, before freezing hands the convolutions to oneDNN."""

    def __call__(self, graph):
        fold_zero_pads(graph)
        contiguous_shared_permutes(graph)
        additive_masks(graph)

    def uuid(self):
        return "planline-graph-passes-3"


def _same_computed(computed, value, values):
    """The key of a constant freezing computed earlier with ``value``'s dtype, shape, strides
    and elements, or None. A model that runs one layer several times (ALBERT's twelve passes
    through one shared layer) has its folded constants (the query, key and value weights side
    by side) computed once per pass: stored once, the frozen ALBERT-xxlarge export went from 3.0
    GB of weights to 810 MB."""
    for key in computed.get((value.dtype, value.shape, value.stride()), ()):
        if torch.equal(values[key], value):
            return key
    return None


class _FrozenGraphPasses(CustomGraphPass):
    """``dense_constants`` as Inductor's post-grad pass: it runs on the frozen graph, whose
    constants (weights and what freezing folded from them) are attributes of its module."""

    def __call__(self, graph):
        dense_constants(graph)

    def uuid(self):
        return "planline-frozen-graph-passes-1"


def compile_and_capture(model, inputs, dynamic, clone=True, device_config=None, runs=1):
    """Compile ``model`` with Inductor and return (capture, compiled outputs).

    ``device_config`` patches Inductor's configuration (default: the CPU's pinned AVX2 code
    generation); ``runs`` calls the compiled model that many times (a GPU export runs it twice:
    the first call autotunes each Triton kernel to one configuration).
    """
    capture = _Capture()

    def backend(gm, example_inputs):
        capture.example_inputs = list(example_inputs)
        capture.lookups = _embedding_lookups(gm, example_inputs)
        return compile_fx(gm, example_inputs, decompositions=_decompositions())

    args = [t.clone() if clone else t for t in inputs.values()]
    for index, name in enumerate(inputs):
        for axis, dd in (dynamic or {}).get(name, {}).items():
            # (PyTorch 2.13 fails on a minimum without a maximum: give both or neither)
            bounds = {} if dd.max is None else {"min": max(dd.min, 2), "max": dd.max}
            torch._dynamo.mark_dynamic(args[index], axis, **bounds)
    torch._dynamo.reset()
    with torch.no_grad():
        # Once in eager mode first: a model that fills a cache on its first call (LeViT keeps
        # each attention's gathered biases in a dict) would otherwise have that store traced
        # as well, as extra graph outputs for Dynamo to write back after each run.
        model(*args)
    with _hooks(capture, CPU_CONFIG if device_config is None else device_config), \
            _written_out_attention(), torch.no_grad():
        compiled = torch.compile(model, backend=backend, fullgraph=True)
        for _ in range(runs):
            result = compiled(*args)
    torch._dynamo.reset()
    if len(capture.graphs) != 1:
        raise ExportError(f"Inductor compiled {len(capture.graphs)} graphs; planline runs one "
                          "(the model must trace without graph breaks)")
    outputs = list(result) if isinstance(result, (tuple, list)) else [result]
    return capture, outputs


# --------------------------------------------------------------------------------------------
# lines
# --------------------------------------------------------------------------------------------

def _ir():
    from torch._inductor import ir  # pylint: disable=import-outside-toplevel
    return ir


def _storage_numel(size, stride):
    """Elements an empty_strided((size), (stride)) storage holds (0 when any size is 0)."""
    import sympy  # pylint: disable=import-outside-toplevel
    if any(s == 0 for s in size):
        return sympy.Integer(0)
    return 1 + sum((s - 1) * st for s, st in zip(size, stride))


def _module_tensors(model):
    """Every tensor ``model`` holds, by id, to a key for the weights file: parameters and
    buffers under their state-dict keys, then tensors kept in other attributes of its modules,
    alone or in a dict, list or tuple (LeViT caches each attention's gathered biases in a dict
    keyed by device, which Dynamo passes to the graph as one more input)."""
    state = {}
    for key, tensor in list(model.named_parameters()) + list(model.named_buffers()):
        state.setdefault(id(tensor), key)
    for prefix, module in model.named_modules():
        for attr, value in vars(module).items():
            if attr in ("_parameters", "_buffers", "_modules"):
                continue
            items = value.items() if isinstance(value, dict) else \
                enumerate(value) if isinstance(value, (list, tuple)) else [(None, value)]
            for item, tensor in items:
                if isinstance(tensor, torch.Tensor):
                    key = ".".join(str(p) for p in (prefix, attr, item) if p not in ("", None))
                    state.setdefault(id(tensor), key)
    return state


def _reused_storage(old, allocation, layout, where):
    """The storage (elements) of a buffer that takes over one of ``old`` elements: its own
    allocation when they agree, else ``old`` where that holds all the new layout spans. Inductor
    on the GPU lets a kernel write in place over a product's result padded for alignment (DINOv2:
    [1, 257, 768] over a [260, 768] product), a reuse of a larger storage, which planline's lines
    state as one size passed on."""
    import sympy  # pylint: disable=import-outside-toplevel
    own = _storage_numel(layout.size, layout.stride) if allocation is None else allocation
    spare = None if old is None else sympy.simplify(old - own)
    if spare is None or spare == 0:
        return allocation
    if spare.is_nonnegative:
        return old
    raise ExportError(f"{where}: a reuse of a storage of {old} elements for a buffer that "
                      f"needs {own}")


class _Translator:
    """Turns one captured graph into program.json's inputs, weights, lines and outputs."""

    device = "cpu"   # the device buffers are allocated on
    weight_strides = True  # write a strided weight's stride (the CUDA backend uploads none)

    def __init__(self, captured, example_inputs, model, user_args, input_names, output_names,
                 dynamic, sources):
        self.captured = captured
        self.sources = sources
        self.output_names = output_names
        self.names = {}          # Inductor argument name -> program name
        self.symbols = {}        # Inductor symbol -> program symbol name ("s0", ...)
        self.symbol_bounds = {}
        self.inputs, self.weights, self.weight_values = [], [], {}
        self.lines, self.kernels, self.compiled = [], set(), {}
        self.n_view = 0
        self.views = set()       # names that ReinterpretLines define (no storage of their own)
        self.storages = {}       # buffer -> elements its storage holds (allocate, reuse lines)
        self.not_storage = set()  # fallbacks whose results are their MultiOutputs
        self.multi_outputs = set()
        self._bind_arguments(example_inputs, model, user_args, input_names, dynamic)

    # -- arguments ---------------------------------------------------------------------------

    def _bind_arguments(self, example_inputs, model, user_args, input_names, dynamic):
        arg_names = self.captured["input_names"]
        if len(arg_names) != len(example_inputs):
            raise ExportError(f"Inductor's graph has {len(arg_names)} inputs, dynamo passed "
                              f"{len(example_inputs)}: cannot tell weights from inputs")
        state = _module_tensors(model)
        users = {id(t): i for i, t in enumerate(user_args)}
        by_user = {}
        for arg, value in zip(arg_names, example_inputs):
            if not isinstance(value, torch.Tensor):
                continue  # a size passed as an argument: a symbol, bound from the input shapes
            if id(value) in users:
                by_user[users[id(value)]] = arg
            elif id(value) in state:
                key = state[id(value)]
                name = _weight_name(key)
                self.names[arg] = name
                spec = {"name": name, "tensor": key, "dtype": DTYPE_NAMES[value.dtype],
                        "shape": list(value.shape)}
                if self.weight_strides and not value.is_contiguous():
                    spec["stride"] = list(value.stride())  # stored in that order (format v3)
                self.weights.append(spec)
                self.weight_values[key] = value.detach()
            else:
                raise ExportError(f"graph input {arg} ({tuple(value.shape)}) is neither a "
                                  "model input nor a tensor the model holds")
        self._bind_constants(model)
        named = {}  # DynamicDim name -> program symbol: dimensions of one name are one symbol
        for index, input_name in enumerate(input_names):
            arg = by_user.get(index)
            if arg is None:
                raise ExportError(f"input {input_name} does not reach the compiled graph")
            self.names[arg] = input_name
            box = self.captured["inputs"][arg]
            shape = []
            for axis, size in enumerate(box.get_size()):
                if getattr(size, "is_Symbol", False) and size not in self.symbols:
                    dd = (dynamic or {}).get(input_name, {}).get(axis)
                    if dd is not None and dd.name in named:
                        # Dynamo gives each input's dimension a symbol of its own unless the
                        # model's code equates them (BERT's ids and attention mask stayed
                        # apart, so its requests could not be batched); one name is one
                        # dimension, as torch.export reads it (planline_export._dynamic_shapes)
                        sym = named[dd.name]
                        known = self.symbol_bounds[sym]
                        if (dd.min, dd.max) != (known["min"], known["max"]):
                            raise ExportError(
                                f"dynamic dimension '{dd.name}' of input {input_name} (dim "
                                f"{axis}) has bounds {dd.min}..{dd.max}, but input "
                                f"{known['input']} gave it {known['min']}..{known['max']}: one "
                                "name is one dimension")
                        self.symbols[size] = sym
                    else:
                        sym = f"s{len(set(self.symbols.values()))}"
                        self.symbols[size] = sym
                        if dd is not None:
                            named[dd.name] = sym
                        self.symbol_bounds[sym] = {"input": input_name, "dim": axis,
                                                   "min": dd.min if dd else 1,
                                                   "max": dd.max if dd else None}
                shape.append(self.jdim(size))
            self.inputs.append({"name": input_name, "dtype": DTYPE_NAMES[box.get_dtype()],
                                "shape": shape})

    def _bind_constants(self, model):
        """The frozen graph's constants become weights. One that is a parameter or buffer as
        it is (or a transposed view of one) keeps the state-dict key; one that freezing computed
        (a convolution folded with its batch norm) is stored under its own name. Each is kept
        with the strides Inductor's kernels index it with."""
        params = {}
        for key, tensor in list(model.named_parameters()) + list(model.named_buffers()):
            params.setdefault((tensor.untyped_storage().data_ptr(), tensor.dtype), key)
        stored = {}  # key -> the shape its bytes are written in (physical_order)
        computed = {}  # (dtype, shape, stride) -> keys of constants freezing computed
        for const, value in self.captured.get("constants", {}).items():
            value = value.detach()
            if value.is_mkldnn:
                # a convolution weight Inductor packed for oneDNN (cpp.weight_prepack), written
                # in PyTorch's layout: planline packs it for its own primitive
                value = value.to_dense()
            if value.device.type != "cpu":
                value = value.cpu()
            whole = value.storage_offset() == 0 and value.untyped_storage().nbytes() == \
                value.numel() * value.element_size()
            if not whole:
                # a slice of a bigger storage: the file holds only the slice, same strides
                value = torch.empty_strided(value.shape, value.stride(),
                                            dtype=value.dtype).copy_(value)
            physical = tuple(physical_order(const, value).shape)
            key = params.get((value.untyped_storage().data_ptr(), value.dtype)) if whole else None
            if key is None:
                key = _same_computed(computed, value, self.weight_values)
            # two views of one parameter with the same bytes in memory (GPT-2's tied embedding
            # and its transposed use as the output projection) share one stored tensor
            if key is None or stored.get(key, physical) != physical:
                key = const.lstrip("_")
                computed.setdefault((value.dtype, value.shape, value.stride()), []).append(key)
            stored[key] = physical
            name = _weight_name(key)
            if any(w["name"] == name for w in self.weights):
                name = _weight_name(f"{key}_{const}")  # another view of a stored tensor
            self.names[const] = name
            spec = {"name": name, "tensor": key, "dtype": DTYPE_NAMES[value.dtype],
                    "shape": list(value.shape)}
            if not value.is_contiguous():
                if not self.weight_strides:
                    raise ExportError(f"constant {const} {tuple(value.shape)} is strided "
                                      f"{tuple(value.stride())}; this export writes row-major "
                                      "weights only")
                spec["stride"] = list(value.stride())
            self.weights.append(spec)
            self.weight_values[key] = value

    def drop_unused_weights(self, outputs):
        """Forgets weights that no line reads and no output is (constants that freezing folded
        into others)."""
        used = set(json.dumps(self.lines).split('"')) | {o["buffer"] for o in outputs}
        self.weights = [w for w in self.weights if w["name"] in used]
        keys = {w["tensor"] for w in self.weights}
        self.weight_values = {k: v for k, v in self.weight_values.items() if k in keys}

    # -- expressions -------------------------------------------------------------------------

    def text(self, expr):
        return print_expr(rename_symbols(expr, self.symbols))

    def jdim(self, expr):
        out = self.text(expr)
        return int(out) if out.lstrip("-").isdigit() else out

    def scalar(self, text, where):
        import sympy  # pylint: disable=import-outside-toplevel
        local = {str(s): s for s in self.symbols}
        try:
            return self.text(sympy.sympify(text, locals=local))
        except Exception as exc:  # noqa: BLE001 - reported with the place it came from
            raise ExportError(f"{where}: argument {text!r} is not a size expression "
                              f"({exc})") from exc

    # -- tensors -----------------------------------------------------------------------------

    def buffer_json(self, name, layout, allocation=None):
        """A buffer in the program's words; ``allocation`` (elements) when Inductor allocates
        more than the layout spans."""
        storage = _storage_numel(layout.size, layout.stride) if allocation is None else allocation
        self.storages[name] = storage
        return {"name": name, "device": self.device, "dtype": DTYPE_NAMES[layout.dtype],
                "shape": [self.jdim(s) for s in layout.size],
                "stride": [self.jdim(s) for s in layout.stride],
                "storage_expr": self.text(storage)}

    def name_of(self, name):
        return self.names.get(name, name)

    def tensor(self, node, where):
        """The program name of an IR tensor argument; a view gets a ReinterpretLine first."""
        ir = _ir()
        if isinstance(node, ir.ReinterpretView):
            root = node.data
            if isinstance(root, ir.ReinterpretView):
                raise ExportError(f"{where}: a view of a view ({node.get_name()})")
            layout = node.get_layout()
            name = f"view{self.n_view}"
            self.n_view += 1
            self.lines.append({"kind": "ReinterpretLine",
                               "node": {"name": self.name_of(root.get_name())},
                               "reused_as": self.buffer_json(name, layout),
                               "offset": self.text(layout.offset)})
            return name
        if hasattr(node, "get_name"):
            return self.name_of(node.get_name())
        raise ExportError(f"{where}: argument {node!r} is not a tensor")

    # -- lines -------------------------------------------------------------------------------

    def translate(self):
        for index, (kind, fields) in enumerate(self.captured["lines"]):
            where = f"wrapper line {index} ({kind})"
            handler = getattr(self, "_" + kind, None)
            if handler is not None:
                handler(fields, where)
            elif kind == "Text":
                self._text(fields, where)
            elif kind not in _SKIPPED:
                raise ExportError(f"{where}: this wrapper line kind is outside what planline "
                                  "runs")
        outputs = []
        if len(self.captured["outputs"]) != len(self.output_names):
            raise ExportError(f"the graph has {len(self.captured['outputs'])} outputs, "
                              f"{len(self.output_names)} names were given")
        for name, node in zip(self.output_names, self.captured["outputs"]):
            buffer = self.tensor(node, f"output {name}")
            layout = node.get_layout()
            outputs.append({"name": name, "buffer": buffer, "dtype": DTYPE_NAMES[layout.dtype],
                            "shape": [self.jdim(s) for s in layout.size]})
        return outputs

    def _AllocateLine(self, f, where):
        node = f["node"]
        self.lines.append({"kind": "AllocateLine",
                           "node": self.buffer_json(node.get_name(), node.get_layout(),
                                                    f.get("allocation"))})

    def _FreeIfNotReusedLine(self, f, where):
        name = f["node"].get_name()
        if name in self.views or name in self.not_storage:
            return  # `del` of an alias or of a fallback's tuple: only storages are freed
        self.lines.append({"kind": "FreeIfNotReusedLine", "node": {"name": name}})

    def _ReuseLine(self, f, where):
        if not f.get("delete_old", True):
            raise ExportError(f"{where}: a reuse that keeps the old name alive")
        new, old = f["reused_as"], f["node"].get_name()
        allocation = _reused_storage(self.storages.get(old), f.get("allocation"),
                                     new.get_layout(), where)
        self.lines.append({"kind": "ReuseLine", "node": {"name": old},
                           "reused_as": self.buffer_json(new.get_name(), new.get_layout(),
                                                         allocation)})

    def _ReinterpretLine(self, f, where):
        # The line's layout places the alias in the storage (a concatenation's inputs are
        # aliases of one buffer at different offsets); the aliasing buffer's own layout does not.
        node, view, layout = f["node"], f["reused_as"], f["layout"]
        if isinstance(getattr(layout, "view", None), _ir().ReinterpretView):
            layout = layout.view.get_layout()  # NonOwningLayout keeps the offset in its view
        self.views.add(view.get_name())
        self.lines.append({"kind": "ReinterpretLine", "node": {"name": self.name_of(
            node.get_name())}, "reused_as": self.buffer_json(view.get_name(), layout),
            "offset": self.text(layout.offset)})

    def _KernelCallLine(self, f, where):
        name = f["kernel_name"]
        if f.get("triton"):
            raise ExportError(f"{where}: Triton kernel {name} in a CPU export")
        if name not in self.sources:
            raise ExportError(f"{where}: kernel {name} was called but its C++ source was not "
                              "captured")
        types = list(f["arg_types"])
        kinds = []
        for t in types:
            if t not in ARG_KINDS:
                raise ExportError(f"{where}: kernel {name} takes a parameter of type {t!r}, "
                                  f"which planline cannot pass (known: {sorted(ARG_KINDS)})")
            kinds.append(ARG_KINDS[t])
        args, outs = [], []
        for text, kind, ctype in zip(f["call_args"], kinds, types):
            if kind == "ptr":
                args.append(self.name_of(str(text)))
                if not ctype.startswith("const"):
                    outs.append(args[-1])
            else:
                args.append(self.scalar(str(text), f"{where}, kernel {name}"))
        known = self.compiled.setdefault(name, {"arg_types": types, "params": kinds})
        if known["arg_types"] != types:
            raise ExportError(f"{where}: kernel {name} called with two signatures")
        self.kernels.add(name)
        self.lines.append({"kind": "KernelCallLine", "kernel_name": name, "outputs": outs,
                           "call_args": args})

    def _ExternKernelOutLine(self, f, where):
        node = f["node"]
        kernel = getattr(node, "python_kernel_name", None)
        aten = EXTERN_PRODUCTS.get(kernel)
        if aten is None:
            raise ExportError(f"{where}: extern kernel {kernel} is outside the set planline "
                              f"runs ({', '.join(sorted(EXTERN_PRODUCTS))})")
        tensors = [self.tensor(t, where) for t in node.inputs]
        args = list(tensors)
        if aten in ("aten.addmm.default", "aten.baddbmm.default"):
            args += [_number(node.kwargs.get("beta", 1)), _number(node.kwargs.get("alpha", 1))]
        if node.constant_args:
            raise ExportError(f"{where}: {kernel} with constant arguments {node.constant_args}")
        self.kernels.add(aten)
        self.lines.append({"kind": "KernelCallLine", "kernel_name": aten,
                           "outputs": [node.get_name()], "call_args": args})

    def _ExternKernelAllocLine(self, f, where):
        # An extern kernel that allocates its own result (convolution, an ATen fallback): planline
        # allocates the buffer with the layout Inductor chose and runs the ATen operator into it.
        node = f["node"]
        kernel = getattr(node, "python_kernel_name", None)
        if isinstance(node, _ir().FallbackKernel):
            self._fallback(node, where)
            return
        if type(node).__name__ in FUSED_CONVOLUTIONS:
            self._fused_convolution(node, where)
            return
        if kernel != "extern_kernels.convolution":
            raise ExportError(f"{where}: extern kernel {kernel} allocates its own output; planline "
                              "runs convolutions and single-output ATen fallbacks that way")
        kw = dict(node.kwargs)
        tensors = [self.tensor(t, where) for t in node.inputs]
        if len(tensors) == 3 and kw.get("bias") is None:
            kw["bias"] = tensors.pop()
        if len(tensors) != 2 or node.constant_args:
            raise ExportError(f"{where}: convolution with inputs {tensors} and constant "
                              f"arguments {node.constant_args}")
        bias = kw.get("bias")
        ints = lambda key: "[" + ", ".join(self.text(v) for v in kw[key]) + "]"  # noqa: E731
        args = tensors + [bias if isinstance(bias, str) else "None", ints("stride"),
                          ints("padding"), ints("dilation"), "True" if kw["transposed"] else
                          "False", ints("output_padding"), self.text(kw["groups"])]
        self.lines.append({"kind": "AllocateLine",
                           "node": self.buffer_json(node.get_name(), node.get_layout())})
        self.kernels.add("aten.convolution.default")
        self.lines.append({"kind": "KernelCallLine", "kernel_name": "aten.convolution.default",
                           "outputs": [node.get_name()], "call_args": args})

    def _fallback(self, node, where):
        """An operator Inductor leaves to ATen: an ATen call of the Java kernel library."""
        op = node.op_overload
        if not isinstance(op, torch._ops.OpOverload):
            raise ExportError(f"{where}: fallback {op} is not an ATen operator")
        outputs = self._fallback_outputs(node, op, where)
        args, kwargs = node.unflatten_args(node.inputs, node.constant_args)
        kwargs = {**kwargs, **node.kwargs}
        values = []
        for index, arg in enumerate(op._schema.arguments):
            if not arg.kwarg_only and index < len(args):
                values.append(args[index])
            elif arg.name in kwargs:
                values.append(kwargs[arg.name])
            elif arg.has_default_value():
                values.append(arg.default_value)
            else:
                raise ExportError(f"{where}: {op}: argument {arg.name} missing")
        call_args = [self.argument(v, f"{where}, {op}") for v in values]
        name = str(op)
        if name not in SUPPORTED_KERNELS:
            raise ExportError(f"{where}: Inductor leaves {name} to ATen and planline's kernel "
                              "library has no kernel for it (tools/supported_ops.txt)")
        self._library_call(name, outputs, [n for n, _ in outputs], call_args)

    def _library_call(self, name, allocated, written, call_args):
        """A call of a kernel-library operator: an AllocateLine for each (name, layout) in
        ``allocated``, then the call, which writes ``written``."""
        for out_name, layout in allocated:
            self.lines.append({"kind": "AllocateLine",
                               "node": self.buffer_json(out_name, layout)})
        self.kernels.add(name)
        self.lines.append({"kind": "KernelCallLine", "kernel_name": name, "outputs": written,
                           "call_args": call_args})

    def _fused_convolution(self, node, where):
        """One of oneDNN's fused convolutions (cpp.weight_prepack): the operator's arguments in
        its schema's order, with the bias Inductor moved among the constants put back."""
        op = node.op_overload
        name = str(op)
        if name not in SUPPORTED_KERNELS:
            raise ExportError(f"{where}: Inductor fused a convolution into {name}, which "
                              "planline's kernel library does not run (tools/supported_ops.txt)")
        before_bias = FUSED_CONVOLUTIONS[type(node).__name__]
        tensors, constants = list(node.inputs), list(node.constant_args)
        if len(tensors) == before_bias:  # no bias: Inductor keeps its None first among constants
            if not constants or constants[0] is not None:
                raise ExportError(f"{where}: {name} with inputs {tensors} and constants "
                                  f"{constants}: cannot tell where its bias is")
            bias, constants = None, constants[1:]
        elif len(tensors) == before_bias + 1:
            bias = tensors.pop()
        else:
            raise ExportError(f"{where}: {name} with {len(tensors)} tensor inputs")
        values = tensors + [bias] + constants
        if len(values) != len(op._schema.arguments):
            raise ExportError(f"{where}: {name} takes {len(op._schema.arguments)} arguments, "
                              f"Inductor gave {len(values)}")
        call_args = [self.argument(v, f"{where}, {name}") for v in values]
        if isinstance(node.layout, _ir().NoneLayout):
            # the in-place form: the product is added into its first argument, an intermediate
            # buffer (a graph input or weight written to would change the caller's tensor)
            target = call_args[0]
            if target in self.names.values():  # the program names of inputs and weights
                raise ExportError(f"{where}: {name} writes into {target}, an input or weight")
            self._library_call(name, [], [target], call_args)
        else:
            outputs = self._fallback_outputs(node, op, where)
            self._library_call(name, outputs, [n for n, _ in outputs], call_args)

    def _fallback_outputs(self, node, op, where):
        """(name, layout) of each result of a fallback, in return order.

        Inductor gives a fallback a MultiOutputLayout and names each result it uses by a
        MultiOutput node (``buf43 = buf42`` or ``buf43 = buf42[0]``): those are the buffers
        planline allocates and the operator writes; the fallback's own name holds no storage.
        """
        ir = _ir()
        if not isinstance(node.layout, ir.MultiOutputLayout):
            return [(node.get_name(), node.get_layout())]
        returns = len(op._schema.returns)
        found = {}
        stack = list(getattr(node, "outputs", None) or [])
        while stack:
            item = stack.pop()
            if isinstance(item, (list, tuple)):
                stack.extend(item)
            elif isinstance(item, ir.MultiOutput):
                position = item.indices[0][1] if item.indices else 0
                if len(item.indices) > 1:
                    raise ExportError(f"{where}: {op} returns nested results")
                found[position] = (item.get_name(), item.get_layout())
        if sorted(found) != list(range(returns)):
            raise ExportError(f"{where}: {op} returns {returns} tensors and the graph uses "
                              f"{sorted(found)}; planline runs fallbacks whose every result is "
                              "used")
        self.not_storage.add(node.get_name())
        self.multi_outputs.update(n for n, _ in found.values())
        return [found[i] for i in range(returns)]

    def _UnbackedSymbolDefsLine(self, f, where):
        # emitted after every fallback; it defines something only for data-dependent sizes
        if getattr(f.get("node"), "unbacked_bindings", None):
            raise ExportError(f"{where}: sizes that depend on tensor values (unbacked symbols "
                              f"{sorted(map(str, f['node'].unbacked_bindings))})")

    def _MultiOutputLine(self, f, where):
        if f.get("result_name") not in self.multi_outputs:
            raise ExportError(f"{where}: a result of a multi-output kernel planline did not "
                              "run")

    def argument(self, value, where):
        """One schema argument in the format's encoding (docs/model-format.md, version 1)."""
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(self.argument(v, where) for v in value) + "]"
        if value is None:
            return "None"
        if isinstance(value, bool):
            return "True" if value else "False"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return repr(value)
        if isinstance(value, (torch.dtype, torch.layout, torch.memory_format, torch.device)):
            return str(value)
        if isinstance(value, str):
            return value
        if hasattr(value, "get_name") or isinstance(value, _ir().IRNode):
            return self.tensor(value, where)
        try:
            return self.text(value)  # a size expression
        except Exception as exc:  # noqa: BLE001 - reported with where it came from
            raise ExportError(f"{where}: cannot write argument {value!r}") from exc

    def _text(self, text, where):
        stripped = text.strip()
        # checks Inductor writes after fallbacks: planline's storages are 64-byte aligned and
        # its kernels write the layouts the program declares
        if stripped.startswith(("assert_alignment(", "assert_size_stride(")):
            return
        if stripped and not stripped.startswith("#"):
            raise ExportError(f"{where}: the wrapper writes code planline cannot run: "
                              f"{stripped[:200]!r} (an ATen fallback or other extern call)")


def _weight_name(key):
    """The program name of a weight stored under ``key`` (a state-dict key or a constant's)."""
    return "w_" + "".join(c if c.isalnum() else "_" for c in key.lstrip("_"))


def _number(value):
    if isinstance(value, bool):
        raise ExportError(f"boolean scalar {value}")
    return repr(float(value)) if isinstance(value, float) else str(int(value))


# Lines that carry nothing to run: checks, comments, kernel definitions (their sources come
# through define_kernel), frees of graph inputs (planline never frees weights or inputs).
_SKIPPED = frozenset("""AssertSizeStrideLine LineContext CommentLine KernelDefinitionLine
FreeLine NullLine EnterDeviceContextManagerLine ExitDeviceContextManagerLine""".split())


# --------------------------------------------------------------------------------------------
# the kernel library
# --------------------------------------------------------------------------------------------

# The suffix of a kernel's guarded entry point, which planline calls where the library has it
# (kernel/KernelEntry.GUARDED).
GUARDED = "__guarded"
_ENTRY = re.compile(r'extern "C"\s+void\s+kernel\(([^)]*)\)')
# Inductor's kernels throw C++ exceptions: TORCH_CHECK on an index out of range, and a
# ZeroDivisionError after an integer division by zero. Thrown out of the kernel into the Java
# process that called it, an exception ends that process (std::terminate), so one request with a
# zero divisor stopped the server. The guard runs the kernel inside a try block and returns null
# or what it threw, in a buffer per thread. It cannot catch what is thrown inside an OpenMP
# parallel region (the runtime terminates first, even on one thread); Inductor reports division
# by zero after its parallel loops, on the calling thread, and a kernel that checks indices
# inside them is marked to run on the serial build (_INDEX_CHECKS). The guard calls `kernel`
# (renamed to the kernel's name); kernel names repeat across models and builds, so libraries are
# linked with -Bsymbolic (build_library) and planline also opens each in its own symbol scope
# (kernel/NativeKernels), which covers libraries exported before the flag.
_GUARD = """
// planline: `kernel` behind a C++ exception boundary (tools/planline_inductor.py, _GUARD)
#include <cstdio>
#include <exception>
extern "C" const char* planline_guarded({params}) noexcept {{
    static thread_local char planline_thrown[1024];
    try {{
        kernel({args});
        return nullptr;
    }} catch (const std::exception& e) {{
        std::snprintf(planline_thrown, sizeof planline_thrown, "%s", e.what());
    }} catch (...) {{
        std::snprintf(planline_thrown, sizeof planline_thrown, "%s",
                      "an exception that is not a std::exception");
    }}
    return planline_thrown;
}}
"""


# The suffix of the marker of a kernel that must run with no other kernel at once.
EXCLUSIVE = "__exclusive"
# Inductor's integer division and remainder (cpp_prefix.h) report a zero divisor through
# `inductor_cpu_integer_div_error_flag`, one pointer for the whole library that every kernel
# points at its own counter when it starts and clears when it ends. Two kernels running at once
# on two requests' threads (planline runs one-thread calls side by side) would then report one's
# zero divisor as the other's error, or clear the pointer under it: a wrong answer with no error.
# A kernel that divides integers carries a marker, and planline runs it with no other kernel.
_DIVIDES = re.compile(r"\b(floor_divide_integral|remainder_integral|mod)\(")
_EXCLUSIVE = """
// planline: this kernel reports integer division by zero through Inductor's one flag per
// library, so it runs with no other kernel at once (tools/planline_inductor.py, _EXCLUSIVE)
extern "C" const int planline_exclusive = 1;
"""


# The suffix of the marker of a kernel that checks indices inside its loops.
INDEX_CHECKS = "__index_checks"
# Inductor checks an index it reads from a tensor where it is used, inside the kernel's loops
# (TORCH_CHECK(0 <= tmp && tmp < rows, "index out of bounds: ...")). In the OpenMP build those
# loops are a parallel region, and a throw there ends the process before the guard sees it. A
# kernel with such a check carries a marker, and planline runs it on the serial build, where the
# guard catches the throw (kernel/KernelEntry). index_bounds cover only embeddings indexed by an
# input or a view of one; an index computed in the model (embedding(ids + 1), a gather) is
# checked here alone.
_CHECKS = re.compile(r"\bTORCH_CHECK\(")
_INDEX_CHECKS = """
// planline: this kernel checks indices inside its loops, so it runs on the serial build, where
// a failed check reaches the guard (tools/planline_inductor.py, _INDEX_CHECKS)
extern "C" const int planline_index_checks = 1;
"""


def with_guard(name, source):
    """``source`` with ``planline_guarded`` appended: the same parameters as its ``kernel``,
    which it calls, returning null or the message of the exception the kernel threw; where the
    kernel divides integers, the ``planline_exclusive`` marker; and where it checks indices,
    the ``planline_index_checks`` marker."""
    entry = _ENTRY.search(source)
    if entry is None:
        raise ExportError(f'kernel {name}: its source has no `extern "C" void kernel(...)`')
    params = [p.strip() for p in entry.group(1).split(",") if p.strip()]
    args = [re.split(r"[\s*&]+", p)[-1] for p in params]
    marker = _EXCLUSIVE if _DIVIDES.search(source) else ""
    checks = _INDEX_CHECKS if _CHECKS.search(source) else ""
    return (source + _GUARD.format(params=", ".join(params), args=", ".join(args)) + marker
            + checks)


def build_library(sources, out_dir, log=print, isa_name="avx2", openmp=True):
    """Compile every kernel with Inductor's builder for ``isa_name`` (a key of ``BUILDS``) and
    link one shared library. With ``openmp=False`` the same sources are compiled without
    ``-fopenmp`` into the serial build (``kernels-ISA-serial.so``): its pragmas are ignored and
    each kernel runs on the calling thread, which planline uses for calls too small for a
    second thread, since entering a parallel region costs about a microsecond in libgomp even
    on one thread (docs/benchmarks.md). Its OpenMP library calls still go to libgomp.

    Each kernel's entry point is called ``kernel`` in its source; its object file renames it to
    the kernel's own name (``objcopy --redefine-sym``), so the sources stay exactly as Inductor
    wrote them. Each is compiled with a second entry point appended (``with_guard``), renamed
    to the kernel's name and ``__guarded``, and a kernel that divides integers with a marker,
    the kernel's name and ``__exclusive``. Returns the library's file name and the compile
    command of the first kernel.
    """
    from torch._inductor.cpp_builder import CppBuilder, CppTorchOptions  # noqa: E501 pylint: disable=import-outside-toplevel
    from torch._inductor import cpu_vec_isa  # pylint: disable=import-outside-toplevel
    for tool in ("g++", "objcopy"):
        if shutil.which(tool) is None:
            raise ExportError(f"{tool} is needed to build the kernel library and is not on PATH")
    library, isa_class, _ = BUILDS[isa_name]
    if not openmp:
        library = library.replace(".so", "-serial.so")
    isa = getattr(cpu_vec_isa, isa_class)()
    objects, command = [], None
    # x86-64-v3 is the AVX2 level (AVX2, FMA, F16C, BMI): Inductor's default -march=native would
    # tie the library to the exporting machine (AVX-512 instructions on one that has them). The
    # AVX-512 build adds the instruction set's own flags (-mavx512f, ...) to that level.
    with tempfile.TemporaryDirectory(prefix="planline-kernels-") as tmp, \
            inductor_config.patch({"cpp.march": "x86-64-v3"}):
        for name, source in sorted(sources.items()):
            src = Path(tmp) / f"{name}.cpp"
            src.write_text(with_guard(name, source))
            # PyTorch's headers, not the kernels, drew g++'s warnings: vec256_qint.h narrows
            # constants in templates the kernels never use (-Woverflow, 4-7 MB of every
            # export's log), SLEEF's header declares an anonymous struct (-Wpedantic), and a
            # vector helper's temporary looks uninitialized to it (-Wmaybe-uninitialized)
            quiet = ("-Wno-overflow", "-Wno-pedantic", "-Wno-maybe-uninitialized")
            builder = CppBuilder(name, [str(src)],
                                 CppTorchOptions(vec_isa=isa, compile_only=True,
                                                 extra_flags=quiet),
                                 output_dir=tmp)
            line = builder.get_command_line()
            if openmp:
                builder.build()
            else:
                line = line.replace(" -fopenmp ", " ")
                subprocess.run(line, shell=True, check=True, cwd=tmp)
            command = command or line
            obj = builder.get_target_file_path()
            subprocess.run(["objcopy", f"--redefine-sym=kernel={name}",
                            f"--redefine-sym=planline_guarded={name}{GUARDED}",
                            f"--redefine-sym=planline_exclusive={name}{EXCLUSIVE}",
                            f"--redefine-sym=planline_index_checks={name}{INDEX_CHECKS}", obj],
                           check=True)
            objects.append(obj)
        # Vectorized exp, tanh and kin come from SLEEF (in a PyTorch process libtorch carries
        # them); planline's processes load the system's libsleef (Debian: libsleef3).
        # -Bsymbolic binds the library's own names (the guards' calls of their kernels,
        # Inductor's division-error flag) inside it, so a loader that opens libraries globally
        # cannot hand them another model's or build's definition of the same name.
        link = (["g++", "-shared", "-fPIC", "-Wl,-Bsymbolic"]
                + (["-fopenmp"] if openmp else [])
                + ["-s", "-o", str(Path(out_dir) / library)] + objects
                + ([] if openmp else ["-lgomp"]) + ["-lsleef"])
        subprocess.run(link, check=True)
    undefined = subprocess.run(["nm", "-D", "--undefined-only", str(Path(out_dir) / library)],
                               check=True, capture_output=True, text=True).stdout
    if not openmp:
        # planline runs the serial build without setting OpenMP's thread count: its kernels may
        # ask for their thread's number (0 outside a parallel region) and nothing else
        asks = [line.split()[-1] for line in undefined.splitlines()
                if ("GOMP_" in line or "omp_" in line) and "omp_get_thread_num" not in line]
        if asks:
            (Path(out_dir) / library).unlink()
            log(f"no serial build: its kernels still call OpenMP's {asks[:5]}")
            return None, command
    foreign = [line.split()[-1] for line in undefined.splitlines()
               if not any(ok in line for ok in ("GLIBC", "GOMP", "omp_", "Sleef_", "CXXABI",
                                                "GCC_", "w "))]
    if foreign:
        raise ExportError(f"the kernel library needs symbols outside libc, libm, libstdc++, "
                          f"libgomp and libsleef: "
                          f"{foreign[:10]}")
    log(f"built {library}: {len(sources)} kernels ({isa} vectors"
        f"{'' if openmp else ', no OpenMP'})")
    return library, command


def with_serial_build(entry, sources, out_dir, log):
    """``entry`` (a library of program.json) with its ``serial`` build of ``sources``, where
    one helps: not where no kernel has an OpenMP pragma (the library would be the same bytes),
    nor where the kernels need OpenMP's thread count (``build_library``)."""
    if any("#pragma omp" in source for source in sources.values()):
        library, _ = build_library(sources, out_dir, log, entry["isa"], openmp=False)
        if library is not None:
            entry["serial"] = {"file": library, "sha256": _sha256(Path(out_dir) / library)}
    return entry


def read_source_file(text):
    """The kernels' sources from a file ``_source_file`` wrote: {name: source}."""
    sources, name, lines = {}, None, []
    for line in text.split("\n"):
        if line.startswith("// ==== ") and line.endswith(" ===="):
            if name is not None:
                sources[name] = "\n".join(lines)
            name, lines = line[len("// ==== "):-len(" ====")], []
        elif name is not None:
            lines.append(line)
    if name is not None:
        sources[name] = "\n".join(lines)
    return sources


def _source_file(sources):
    parts = ["// Inductor's C++ kernels of this model, as it generated them. Each kernel is its",
             "// own translation unit whose entry point `kernel` is renamed to the kernel's name",
             "// in its object file (objcopy --redefine-sym): read, do not compile as one file.",
             "// Each is compiled with planline's guarded entry point appended (`with_guard`).",
             ""]
    for name, source in sorted(sources.items()):
        parts += [f"// ==== {name} ====", source]
    return "\n".join(parts)


def _sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _avx512_sources(model, inputs, dynamic, output_names, narrow, log):
    """The kernels' sources generated for 512-bit vectors, or None (logged) where that
    generation does not give exactly ``narrow``'s lines and kernel signatures: one set of lines
    must serve both libraries."""
    user_args = [t.clone() for t in inputs.values()]
    capture, _ = compile_and_capture(model, dict(zip(inputs, user_args)), dynamic, clone=False,
                                     device_config=AVX512_CONFIG)
    t = _Translator(capture.graphs[0], capture.example_inputs, model, user_args, list(inputs),
                    output_names, dynamic, capture.sources)
    t.drop_unused_weights(t.translate())
    if t.lines != narrow.lines or t.compiled != narrow.compiled:
        log("no AVX-512 build: generating for 512-bit vectors gave other lines or kernels")
        return None
    return {k: v for k, v in capture.sources.items() if k in t.compiled}


def export_inductor_cpu(model, inputs, out_dir, *, name, output_names, dynamic=None,
                        description="", metadata=None, log=print, avx512=True, **_ignored):
    """Write a format-2 (or 3) model folder of ``model`` compiled by Inductor for the CPU, with
    the weights of its frozen graph (CPU_CONFIG) in its own ``weights.safetensors``, and, with
    ``avx512``, a second library built for AVX-512 beside the AVX2 one."""
    check_versions()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    user_args = [t.clone() for t in inputs.values()]
    capture, compiled_outputs = compile_and_capture_with(model, user_args, inputs, dynamic)
    graph = capture.graphs[0]
    t = _Translator(graph, capture.example_inputs, model, user_args, list(inputs),
                    output_names, dynamic, capture.sources)
    outputs = t.translate()
    t.drop_unused_weights(outputs)
    index_bounds = _index_bounds(capture, user_args, list(inputs))
    used = {k: v for k, v in capture.sources.items() if k in t.compiled}
    library, command = build_library(used, out, log)
    source = BUILDS["avx2"][2]
    (out / source).write_text(_source_file(used))
    libraries = [with_serial_build({"isa": "avx2", "file": library,
                                    "sha256": _sha256(out / library)}, used, out, log)]
    if avx512:
        wide = _avx512_sources(model, inputs, dynamic, output_names, t, log)
        if wide is not None:
            wide_library, _ = build_library(wide, out, log, "avx512")
            wide_source = BUILDS["avx512"][2]
            (out / wide_source).write_text(_source_file(wide))
            libraries.append(with_serial_build(
                {"isa": "avx512", "file": wide_library, "sha256": _sha256(out / wide_library),
                 "source": wide_source}, wide, out, log))
    compiled = {"kind": "inductor-cpp", "source": source, "libraries": libraries,
                "torch_version": torch.__version__, "compile_command": command,
                "kernels": t.compiled}
    strided = any("stride" in w for w in t.weights)
    program = {"format": "planline-program",
               "version": STRIDED_WEIGHTS_VERSION if strided else FORMAT_VERSION, "name": name,
               "symbols": list(t.symbol_bounds), "symbol_bounds": t.symbol_bounds,
               "batch_dim": batch_dim(t.inputs, outputs),
               "inputs": t.inputs, "outputs": outputs, "weights": t.weights,
               "kernels": sorted(t.kernels), "compiled": compiled,
               "index_bounds": index_bounds,
               "inductor_pools": inductor_pools(graph, inputs), "lines": t.lines}
    write_folder(out, program, t.weight_values, "planline_inductor",
                 (model, inputs, inputs), compiled_outputs, output_names,
                 "torch.compile (Inductor, CPU)",
                 {"name": name, "description": description, "symbols": program["symbol_bounds"],
                  "compiled_with": f"torch {torch.__version__} inductor, cpp, avx2",
                  **(metadata or {})}, log)
    return {"name": name, "kernels": program["kernels"], "lines": len(t.lines),
                "compiled_kernels": len(used), "program": program}


def write_folder(out, program, weight_values, producer, run, compiled_outputs, output_names,
                 reference, card, log=print):
    """What every Inductor export writes beside its kernels: program.json, the weights (unless
    ``weight_values`` is None), the sample with ``compiled_outputs``, and model.json from
    ``card`` (name, description, symbols, compiled_with and any extra metadata). ``run`` is
    (model, inputs by name, eager arguments by name): eager PyTorch on those is logged beside
    the compiled output, so a compile that changed the numbers shows in the export log."""
    (out / "program.json").write_text(json.dumps(program, indent=1) + "\n")
    if weight_values is not None:
        write_safetensors(out / "weights.safetensors", weight_values,
                          {"format": "pt", "producer": producer},
                          strided={w["tensor"] for w in program["weights"] if "stride" in w})
    model, inputs, eager_args = run
    eager = run_eager(model, eager_args)
    for out_name, a, b in zip(output_names, compiled_outputs, eager):
        # in float64: integer and boolean outputs have no norm of their own
        a, b = a.double(), b.double()
        err = float((a - b).norm() / max(b.norm(), 1e-30))
        log(f"{card['name']} {out_name}: torch.compile vs eager relative error {err:.2e}")
    write_sample(out, inputs, dict(zip(output_names, compiled_outputs)), reference)
    outputs = program["outputs"]
    model_card = {"name": card["name"], "version": 1, "format_version": program["version"],
                  "description": card["description"], "inputs": program["inputs"],
                  "outputs": [{k: o[k] for k in ("name", "dtype", "shape")} for o in outputs],
                  "symbols": card.get("symbols", {}), "kernels": program["kernels"]}
    model_card.update(card)
    (out / "model.json").write_text(json.dumps(model_card, indent=1) + "\n")


def _index_bounds(capture, user_args, input_names):
    """{input name: rows of the smallest table it indexes} over the captured embeddings."""
    bounds = {}
    for i, rows in capture.lookups:
        indices = capture.example_inputs[i]
        for name, arg in zip(input_names, user_args):
            if arg is indices:
                bounds[name] = min(bounds.get(name, rows), rows)
    return bounds


def compile_and_capture_with(model, user_args, inputs, dynamic, **options):
    """``compile_and_capture`` over the caller's own input tensors (matched by identity)."""
    return compile_and_capture(model, dict(zip(inputs, user_args)), dynamic, clone=False,
                               **options)
