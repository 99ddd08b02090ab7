"""Capture Inductor wrapper-line traces with Inductor's own pool sizes, on the CPU.

For each model below, ``torch.compile`` (Inductor, ``config.memory_planning = True``) runs once
and, for every graph it compiles, this script records what Inductor's wrapper holds just before
its wrapper-IR passes (``before``) and just after them (``after``), in the ``lines.json`` format
of ``../shared/traces`` (its README has the schema), plus:

- ``inductor_pools``: ``[{"device", "bytes", "size_hint"}]``, the pools Inductor's own pool
  planner (``torch/_inductor/codegen/memory_planning.py``) makes of those lines, in its order:
  ``bytes`` is what the wrapper allocates, at the example shapes;
- ``inductor_pools_source``: ``"compiled"`` when that planner is what the compiled program runs
  (inference graphs), ``"reference"`` when Inductor only plans inference graphs with it and the
  figure comes from running the same planner on the same lines beside the reuse pass that really
  runs (training graphs: ``planline_inductor._inductor_pools``, the exporter's reference);
- in ``after``, each ``AllocFromPoolLine`` / ``DeallocFromPoolLine`` with its buffer group's
  ``names``, its ``pool`` and ``offset``, and the ``timestep`` Inductor gave it.

Everything comes from Inductor's objects through two hooks (``run_wrapper_ir_passes`` and
``MemoryPlanner.plan``); nothing is parsed from generated code. Inductor's pool planning is
device-independent, so the CPU is enough; ``meta.json`` records the device. No weights are kept.

    python3 tools/capture_traces.py [--device cuda] OUT_DIR [MODEL ...]   # models: see MODELS

``--device cuda`` compiles for GPU 0 instead (Triton kernels; the lines and pools are what the
GPU's wrapper holds), as the traces in ``../shared/traces`` were captured.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import torch
from torch._inductor import config as inductor_config
from torch._inductor.codegen import memory_planning
from torch._inductor.codegen import wrapper as inductor_wrapper

sys.path.insert(0, str(Path(__file__).resolve().parent))
from planline_inductor import _inductor_pools  # noqa: E402  (the exporter's reference run)

# Line classes the trace format names one to one (shared/traces/README.md); any other wrapper
# line is written as a Text line carrying its class, as none of them allocates or frees memory.
NODE_LINES = ("AllocateLine", "FreeLine", "ExternKernelAllocLine", "ExternKernelOutLine")
PLAIN_LINES = ("NullLine", "CommentLine", "ExitSubgraphLine", "ExitDeviceContextManagerLine",
               "UnbackedSymbolDefsLine")


def _hint(expr):
    from torch._inductor.virtualized import V  # pylint: disable=import-outside-toplevel
    return int(V.graph.sizevars.optimization_hint(expr, fallback=64))


def buffer_record(node):
    """A BUFFER of the schema: sizes at the example shapes, the storage size also as text."""
    from torch._inductor import ir  # pylint: disable=import-outside-toplevel
    from torch._inductor.virtualized import V  # pylint: disable=import-outside-toplevel
    name = node.get_name()
    record = {"name": name}
    try:
        layout = node.get_layout()
        if isinstance(layout, (ir.MultiOutputLayout, ir.NoneLayout)):
            raise TypeError(type(layout).__name__)
        dtype = node.get_dtype()
        itemsize = dtype.itemsize
        # the same storage size Inductor's pool planner sizes an allocation by (BufferGroup)
        numel = layout.storage_size()
        record.update({
            "device": str(node.get_device()), "dtype": str(dtype).removeprefix("torch."),
            "itemsize": itemsize, "storage_numel": _hint(numel),
            # the text Inductor's reuse key compares (buffer_reuse_key)
            "storage_expr": str(V.graph.sizevars.simplify(
                V.graph.get_allocation_storage_size(node))),
            "bytes": _hint(numel * itemsize),
            "shape": [_hint(s) for s in node.get_size()],
            "stride": [_hint(s) for s in node.get_stride()],
            "aligned": name not in V.graph.unaligned_buffers})
    except Exception as exc:  # noqa: BLE001 - a layout without a size: say so, as the format allows
        device = node.get_device() if hasattr(node, "get_device") else None
        record.update({"device": str(device) if device is not None else "cpu",
                       "note": f"{type(exc).__name__}: {exc}"[:200]})
    return record


def line_record(line):
    """One LINE of the schema (before or after planning)."""
    from torch._inductor import ir  # pylint: disable=import-outside-toplevel
    if isinstance(line, str):
        return {"kind": "Text", "text": line}
    kind = type(line).__name__
    if kind in PLAIN_LINES:
        return {"kind": kind}
    if kind in NODE_LINES:
        return {"kind": kind, "node": buffer_record(line.node)}
    if kind == "FreeIfNotReusedLine":
        return {"kind": kind, "node": buffer_record(line.node), "is_reused": line.is_reused,
                "aliases_output": len(line.node.get_inputs_that_alias_output()) > 0,
                "multi_output": isinstance(line.node.layout, ir.MultiOutputLayout)}
    if kind in ("ReuseLine", "ReinterpretLine"):
        record = {"kind": kind, "node": buffer_record(line.node),
                  "reused_as": buffer_record(line.reused_as)}
        if kind == "ReuseLine":
            record["delete_old"] = line.delete_old
        return record
    if kind == "KernelCallLine":
        return {"kind": kind, "kernel_name": line.kernel_name,
                "call_args": [str(a) for a in line.call_args], "device": str(line.device)}
    if kind == "KernelDefinitionLine":
        return {"kind": kind, "kernel_name": line.kernel_name}
    if kind == "MultiOutputLine":
        return {"kind": kind, "result_name": line.result_name, "arg_name": line.arg_name}
    if kind == "EnterDeviceContextManagerLine":
        return {"kind": kind, "device_idx": line.device_idx}
    if kind == "EnterSubgraphLine":
        return {"kind": kind, "name": line.graph.name}
    if kind in ("AllocFromPoolLine", "DeallocFromPoolLine"):
        allocation = line.group.allocation
        return {"kind": kind, "node": buffer_record(line.node), "names": list(line.group.names),
                "pool": allocation.pool.name, "offset": _hint(allocation.offset),
                "timestep": line.timestep}
    return {"kind": "Text", "text": f"<{kind}>", "class": kind}


class Capture:
    """One record per compiled graph, in the order Inductor generated their wrappers."""

    def __init__(self):
        self.graphs = []
        self.last_planner = None

    def record(self, wrapper, is_inference, run_passes):
        from torch._inductor.virtualized import V  # pylint: disable=import-outside-toplevel
        graph = V.graph
        pooled = is_inference and inductor_config.memory_planning
        # the line objects change in the pass below: record them first
        before = [line_record(line) for line in wrapper.lines]
        self.last_planner = None
        # a training graph: the same planner on the same lines, beside the reuse pass that runs
        reference = None if pooled else _inductor_pools(wrapper)
        planner, self.last_planner = self.last_planner, None
        run_passes(wrapper, is_inference)
        if pooled:
            planner = self.last_planner
        if isinstance(reference, dict):
            pools = reference  # the reference run failed: its error says why
        else:
            # bytes: what the wrapper allocates (the root's symbolic size, empty space not
            # counted), at the example shapes; size_hint also counts the empty space
            pools = [{"device": str(device), "bytes": _hint(pool.root.get_symbolic_size()),
                      "size_hint": int(pool.root.get_size_hint())}
                     for device, found in planner.pools.device_to_pools.items()
                     for pool in found]
        inputs = [buffer_record(node) for name, node in graph.graph_inputs.items()
                  if hasattr(node, "get_layout")]
        self.graphs.append({
            "graph": graph.name, "is_inference": bool(is_inference),
            "memory_planning": bool(pooled), "subgraph": graph.name is not None
            and type(graph).__name__ == "SubgraphLowering",
            "inputs": inputs, "outputs": list(graph.get_output_names()),
            "removed_buffers": sorted(graph.removed_buffers), "before": before,
            "after": [line_record(line) for line in wrapper.lines],
            "inductor_pools": pools,
            "inductor_pools_source": "compiled" if pooled else "reference"})


def hooked(capture):
    """Installs the two hooks; returns a function that removes them."""
    cls = inductor_wrapper.PythonWrapperCodegen
    run_passes, plan = cls.run_wrapper_ir_passes, memory_planning.MemoryPlanner.plan

    def run_wrapper_ir_passes(self, is_inference):
        capture.record(self, is_inference, run_passes)

    def planned(self, lines):
        capture.last_planner = self
        return plan(self, lines)

    cls.run_wrapper_ir_passes = run_wrapper_ir_passes
    memory_planning.MemoryPlanner.plan = planned

    def undo():
        cls.run_wrapper_ir_passes = run_passes
        memory_planning.MemoryPlanner.plan = plan
    return undo


# --------------------------------------------------------------------------------------------
# models: random weights (weights do not change the programs), small where the trace allows
# --------------------------------------------------------------------------------------------

def bert_infer():
    """BERT-base encoder (12 layers, 768 wide) on one sequence of 128 tokens."""
    from transformers import BertConfig, BertModel  # pylint: disable=import-outside-toplevel
    model = BertModel(BertConfig()).eval()
    return model, (torch.randint(0, 30522, (1, 128)),), "infer", {}


def bert_b4_infer():
    """BERT-base encoder on four sequences of 128 tokens: the issue's BERT figure (9,449,472)."""
    from transformers import BertConfig, BertModel  # pylint: disable=import-outside-toplevel
    model = BertModel(BertConfig()).eval()
    return model, (torch.randint(0, 30522, (4, 128)),), "infer", {}


def vit_infer():
    """ViT-B/16 (768 wide, 224x224 images), 4 of its 12 layers: the programs repeat per layer."""
    from transformers import ViTConfig, ViTModel  # pylint: disable=import-outside-toplevel
    model = ViTModel(ViTConfig(num_hidden_layers=4)).eval()
    return model, (torch.randn(1, 3, 224, 224),), "infer", {}


def gpt2_train():
    """A small GPT-2 (2 layers, 128 wide), one training step. torch.compile breaks the graph at
    the loss, so 4 graphs: model forward, loss forward, loss backward, model backward."""
    from transformers import GPT2Config, GPT2LMHeadModel  # pylint: disable=import-outside-toplevel
    config = GPT2Config(n_layer=2, n_embd=128, n_head=4, n_positions=128, vocab_size=1024)
    model = GPT2LMHeadModel(config).train()
    ids = torch.randint(0, 1024, (2, 64))
    return model, (ids,), "train", {"labels": ids}


def llama_infer():
    """A LLaMA-style decoder stack (4 layers, 256 wide, grouped-query attention) on 64 tokens."""
    from transformers import LlamaConfig, LlamaModel  # pylint: disable=import-outside-toplevel
    config = LlamaConfig(hidden_size=256, intermediate_size=688, num_hidden_layers=4,
                         num_attention_heads=4, num_key_value_heads=2, vocab_size=1024,
                         max_position_embeddings=256)
    model = LlamaModel(config).eval()
    return model, (torch.randint(0, 1024, (1, 64)),), "infer", {"use_cache": False}


def gpt2_dynamic_infer():
    """A small GPT-2 (2 layers, 128 wide) compiled with a dynamic batch (mark_dynamic), run at 3."""
    from transformers import GPT2Config, GPT2Model  # pylint: disable=import-outside-toplevel
    config = GPT2Config(n_layer=2, n_embd=128, n_head=4, n_positions=128, vocab_size=1024)
    model = GPT2Model(config).eval()
    ids = torch.randint(0, 1024, (3, 32))
    torch._dynamo.mark_dynamic(ids, 0, min=2, max=64)
    return model, (ids,), "infer", {"use_cache": False}


MODELS = {"bert-infer": bert_infer, "bert_b4-infer": bert_b4_infer, "vit-infer": vit_infer,
          "gpt2-train": gpt2_train, "llama-infer": llama_infer,
          "gpt2_dynamic-infer": gpt2_dynamic_infer}


def _to(device, value):
    return value.to(device) if isinstance(value, (torch.Tensor, torch.nn.Module)) else value


def capture(name, out_dir, device="cpu"):
    """Compiles and runs one model, writes OUT/NAME-pool/{lines.json, meta.json}."""
    model, args, mode, kwargs = MODELS[name]()
    dynamic = [d for d in getattr(args[0], "_dynamo_dynamic_indices", ())]
    model = _to(device, model)
    args = tuple(_to(device, a) for a in args)
    kwargs = {k: _to(device, v) for k, v in kwargs.items()}
    for dim in dynamic:
        # mark_dynamic marks a tensor, not its copy on the device
        torch._dynamo.mark_dynamic(args[0], dim, min=2, max=64)
    torch._dynamo.reset()
    found = Capture()
    undo = hooked(found)
    start = time.time()
    try:
        # caches off: a cache hit generates no wrapper, so nothing would be captured
        with inductor_config.patch({"memory_planning": True, "compile_threads": 1,
                                    "force_disable_caches": True}):
            compiled = torch.compile(model, fullgraph=False)
            if mode == "train":
                out = compiled(*args, **kwargs)
                out.loss.backward()
            else:
                with torch.no_grad():
                    compiled(*args, **kwargs)
    finally:
        undo()
        torch._dynamo.reset()
    folder = Path(out_dir) / f"{name}-pool"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lines.json").write_text(json.dumps(found.graphs, separators=(",", ":")))
    import transformers  # pylint: disable=import-outside-toplevel
    meta = {"model": name.split("-")[0], "mode": mode, "planning": "pool",
            "device": torch.cuda.get_device_name() if device == "cuda" else "cpu",
            "torch": torch.__version__, "transformers": transformers.__version__,
            "model_class": type(model).__name__, "doc": MODELS[name].__doc__,
            "input_shapes": [list(a.shape) for a in args],
            "dynamic": name.startswith("gpt2_dynamic"),
            "compile_s": round(time.time() - start, 1), "graphs_dumped": len(found.graphs),
            "inductor_pools": [g["inductor_pools"] for g in found.graphs]}
    (folder / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"{name}: {len(found.graphs)} graphs, pools "
          f"{[g['inductor_pools'] for g in found.graphs]}, {meta['compile_s']} s", flush=True)


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    device = "cpu"
    if argv[0] == "--device":
        device, argv = argv[1], argv[2:]
    torch.set_num_threads(1)
    torch.manual_seed(0)
    for name in argv[1:] or MODELS:
        capture(name, argv[0], device)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
