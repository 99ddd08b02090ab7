"""Rewrites of the ATen graph the exporter runs before Inductor lowers it (its joint-graph pass,
beside ``planline_inductor.fold_zero_pads``).

``contiguous_shared_permutes``: a transposed tensor of fixed shape that several kernels read,
copied once into its own order. T5's relative-position bias is an embedding lookup laid out
[query, key, head] and read as [head, query, key] by every layer's softmax: Inductor fuses the
permuted read into each softmax, whose loops then step across heads in the innermost dimension
and run scalar. Six layers' softmax kernels took 3.4 ms of a 27 ms T5-small encoder run at
[1,128] on the 2-core build machine (docs/benchmarks.md, session 33).

``additive_masks``: a boolean attention mask that several layers apply, written once as a
float mask (0 or -inf) each layer adds to its scores, instead of being computed again inside
every layer's softmax (BERT served with its attention mask, session 35).

``dense_constants`` (Inductor's post-grad pass, after freezing): a constant that is a slice of a
bigger buffer with gaps between its rows, copied into dense memory before Inductor writes
kernels that index it by its strides. GPT-Neo's causal mask is the first [64, 64] of a [2048,
2048] table; a model folder stores each weight densely (in some order of its dimensions), so
that slice had no layout to be written in.
"""

from __future__ import annotations

import torch

# Ops through which a tensor is still read in place: its readers are theirs.
_VIEWS = ("unsqueeze.default", "expand.default", "view.default", "slice.Tensor",
          "squeeze.dim", "alias.default", "_unsafe_view.default")


def _is(node, names):
    return (node.op == "call_function" and isinstance(node.target, torch._ops.OpOverload)
            and node.target.__name__ in names and node.target.namespace == "aten")


def _pointwise(node):
    return (node.op == "call_function" and isinstance(node.target, torch._ops.OpOverload)
            and torch.Tag.pointwise in node.target.tags)


def _readers(node, seen=None):
    """How many kernels would read ``node``'s data where Inductor fuses views and pointwise ops
    into their consumers: a view or a pointwise op passes its own readers on, any other op
    (a reduction, a product) is one reader."""
    seen = set() if seen is None else seen
    count = 0
    for user in node.users:
        if user in seen:
            continue
        seen.add(user)
        if _is(user, _VIEWS) or _pointwise(user):
            count += _readers(user, seen)
        else:
            count += 1
    return count


def _moves_last(dims):
    rank = len(dims)
    return rank >= 2 and dims[-1] % rank != rank - 1


def contiguous_shared_permutes(graph, min_readers=2, min_last=8):
    """Copies each permute of a fixed shape that moves the innermost dimension, whose result at
    least ``min_readers`` kernels read, into a tensor of its own order (Inductor's
    ``force_stride_order`` prim, which it lowers to one copy kernel), so that those kernels read
    it along their own innermost loop. Permutes of a batch (a symbolic shape) stay: a copy
    there costs a pass over activations that each reader's own tiling may avoid. So do
    permutes whose last dimension is shorter than ``min_last`` elements (one vector of
    256-bit float32 lanes). Returns the number of permutes copied."""
    copied = 0
    for node in list(graph.nodes):
        if not _is(node, ("permute.default",)) or not _moves_last(list(node.args[1])):
            continue
        val = node.meta.get("val")
        if (not isinstance(val, torch.Tensor)
                or not all(isinstance(s, int) for s in val.shape) or val.shape[-1] < min_last
                or _readers(node) < min_readers):
            continue
        strides = list(torch._prims_common.make_contiguous_strides_for(val.shape))
        copy = _own_copy(graph, node, strides)
        node.replace_all_uses_with(copy, delete_user_cb=lambda user, c=copy: user is not c)
        copied += 1
    return copied


def _own_copy(graph, node, strides):
    """A node after ``node`` that copies it into memory of its own with ``strides`` (Inductor's
    ``force_stride_order`` prim, lowered to one copy kernel whose result is not fused away)."""
    val = node.meta.get("val")
    with graph.inserting_after(node):
        copy = graph.call_function(torch.ops.prims.inductor_force_stride_order.default,
                                   (node, strides))
    fake = getattr(val, "fake_mode", None)
    if fake is not None:
        with fake:
            copy.meta["val"] = torch.empty_strided(val.shape, strides, dtype=val.dtype,
                                                   device=val.device)
    return copy


def _call_after(graph, after, fake, target, args, kwargs=None):
    """A call of ``target`` inserted after ``after``, with the fake value (under the graph's
    ``fake`` mode, where it has one) that the call gives on its arguments' fake values: later
    passes and Inductor's lowering read it."""
    with graph.inserting_after(after):
        node = graph.call_function(target, args, kwargs or {})
    if fake is not None:
        values = [a.meta["val"] if isinstance(a, torch.fx.Node) else a for a in args]
        with fake:
            node.meta["val"] = target(*values, **(kwargs or {}))
    return node


def _minus_inf(node):
    return (getattr(node, "op", None) == "call_function"
            and node.target is torch.ops.aten.scalar_tensor.default
            and node.args[0] == float("-inf"))


def additive_masks(graph, min_layers=2):
    """Turns a boolean attention mask that ``min_layers`` or more layers apply as
    ``where(~mask, -inf, scores)`` into one float mask (0 where attended, -inf elsewhere),
    written once into memory of its own, which each layer adds to its scores. Left as it was,
    Inductor fused the mask's whole computation into every layer's softmax and did it again
    in each of the softmax's three passes: BERT's twelve softmax kernels took 38.7 ms a run at
    [8,128] with transformers' padding mask against 8.4 without it (docs/benchmarks.md,
    session 35). Returns the number of masks rewritten."""
    aten = torch.ops.aten
    rewritten = 0
    for node in list(graph.nodes):
        val = node.meta.get("val")
        if (node.op != "call_function" or not isinstance(val, torch.Tensor)
                or val.dtype != torch.bool or len(node.users) < min_layers):
            continue
        wheres = [w for n in node.users if _is(n, ("bitwise_not.default",))
                  for w in n.users]
        if (not all(_is(n, ("bitwise_not.default",)) for n in node.users)
                or not all(_is(w, ("where.self",)) and _minus_inf(w.args[1]) for w in wheres)
                or any(w.meta["val"].dtype != torch.float32 for w in wheres)):
            continue
        strides = list(torch._prims_common.make_contiguous_strides_for(val.shape))
        if not all(isinstance(st, int) for st in strides):
            continue  # a symbolic size past the first: its strides are no fixed numbers
        options = wheres[0].args[1].kwargs  # the -inf's dtype and device, made here again
        fake = getattr(val, "fake_mode", None)
        zero = _call_after(graph, node, fake, aten.scalar_tensor.default, (0.0,), options)
        minus_inf = _call_after(graph, zero, fake, aten.scalar_tensor.default,
                                (float("-inf"),), options)
        additive = _call_after(graph, minus_inf, fake, aten.where.self,
                               (node, zero, minus_inf))
        mask = _own_copy(graph, additive, strides)
        for where in wheres:
            with graph.inserting_before(where):
                added = graph.call_function(aten.add.Tensor, (where.args[2], mask))
            added.meta.update(where.meta)
            where.replace_all_uses_with(added)
            graph.erase_node(where)
        for n in list(node.users):
            if _is(n, ("bitwise_not.default",)) and not n.users:
                graph.erase_node(n)
        rewritten += 1
    return rewritten


def dense_layout(tensor):
    """Whether ``tensor``'s elements fill a dense block of memory in some order of its
    dimensions (row-major, channels-last, a transpose), whatever its storage offset."""
    order = sorted(range(tensor.dim()), key=lambda d: (-tensor.stride(d), d))
    return tensor.permute(order).is_contiguous()


def dense_constants(graph):
    """Replaces each tensor constant of ``graph``'s module that is not ``dense_layout`` by a
    row-major copy, before Inductor lowers the graph (so its kernels index the copy). Returns
    the names of the constants copied."""
    module = graph.owning_module
    copied = []
    for node in graph.nodes:
        if node.op != "get_attr":
            continue
        *path, leaf = node.target.split(".")
        owner = module
        for part in path:
            owner = getattr(owner, part)
        value = getattr(owner, leaf, None)
        if not isinstance(value, torch.Tensor) or value.is_mkldnn or dense_layout(value):
            continue
        setattr(owner, leaf, value.contiguous())
        copied.append(node.target)
    return copied
