#!/usr/bin/env python3
"""Float32 GEMM GFLOP/s of the engines planline could use, outside planline, on this machine.

Prints, for BERT-like shapes (M x K x N, a linear layer's weight as the right operand):
PyTorch's own ``addmm``, oneDNN inside PyTorch with the weight reordered once
(``mkldnn._linear_pointwise``), Inductor's C++ GEMM template (``max_autotune`` with the CPP
backend and freezing) and, when the ``onnxruntime`` module is installed, ONNX Runtime's MLAS
through a one-``Gemm`` model. Each figure is the mean of 50 calls after 5 warm-up calls, on
``--threads`` threads (default: 2). Used to choose planline's CPU product engine
(docs/benchmarks.md, "oneDNN for products and convolutions").

    python3 tools/gemm_probe.py [--threads N] [MxKxN ...]
"""
import argparse
import time

import torch

SHAPES = ["128x768x768", "128x768x3072", "128x3072x768", "1024x768x3072"]


def timed(call, x, calls=50):
    for _ in range(5):
        call(x)
    start = time.perf_counter()
    for _ in range(calls):
        call(x)
    return (time.perf_counter() - start) / calls


def with_cache_sizes():
    """Inductor's GEMM template asserts the L1/L2 sizes, which some VMs do not report."""
    real = torch.cpu.get_capabilities

    def patched():
        caps = dict(real())
        caps["l1d_cache_size"] = caps.get("l1d_cache_size") or 48 * 1024
        caps["l2_cache_size"] = caps.get("l2_cache_size") or 1024 * 1024
        return caps
    torch.cpu.get_capabilities = patched


def ort_gemm(m, k, n, threads):
    try:
        import numpy as np
        import onnxruntime as ort
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        return None
    w = numpy_helper.from_array(np.random.randn(k, n).astype(np.float32), "W")
    b = numpy_helper.from_array(np.random.randn(n).astype(np.float32), "B")
    graph = helper.make_graph([helper.make_node("Gemm", ["X", "W", "B"], ["Y"])], "g",
                              [helper.make_tensor_value_info("X", TensorProto.FLOAT, [m, k])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [m, n])],
                              [w, b])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=9)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    session = ort.InferenceSession(model.SerializeToString(), options)
    x = np.random.randn(m, k).astype(np.float32)
    return timed(lambda v: session.run(None, {"X": v}), x)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("shapes", nargs="*", default=SHAPES)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with_cache_sizes()
    import torch._inductor.config as inductor_config  # pylint: disable=import-outside-toplevel
    print(f"torch {torch.__version__}, {args.threads} threads, "
          f"{torch.cpu.get_capabilities().get('cpu_name', '?')}")
    print(f"{'MxKxN':16}{'torch addmm':>14}{'oneDNN packed':>15}{'Inductor CPP':>14}{'ORT MLAS':>10}")
    for shape in args.shapes:
        m, k, n = (int(v) for v in shape.split("x"))
        flops = 2.0 * m * k * n
        linear = torch.nn.Linear(k, n).eval()
        x = torch.randn(m, k)
        with torch.no_grad():
            w, b = linear.weight.detach().t().contiguous(), linear.bias.detach()
            aten = timed(lambda v: torch.addmm(b, v, w), x)
            packed = torch.ops.mkldnn._reorder_linear_weight(linear.weight.detach(), None)
            onednn = timed(lambda v: torch.ops.mkldnn._linear_pointwise(
                v, packed, linear.bias, "none", [], ""), x)
            with inductor_config.patch({"freezing": True, "max_autotune": True,
                                        "max_autotune_gemm_backends": "CPP"}):
                compiled = torch.compile(linear)
                compiled(x)
                template = timed(compiled, x)
        mlas = ort_gemm(m, k, n, args.threads)
        cells = [flops / t / 1e9 for t in (aten, onednn, template)]
        mlas_text = f"{flops / mlas / 1e9:10.0f}" if mlas else f"{'-':>10}"
        print(f"{shape:16}{cells[0]:14.0f}{cells[1]:15.0f}{cells[2]:14.0f}{mlas_text}", flush=True)


if __name__ == "__main__":
    main()
