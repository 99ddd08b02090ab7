"""Host time and kernels of one float32 product through PyTorch's cuBLAS, on the lent GPU machine.

    python3 tools/gpu/cublas_host.py

For each product shape of ViT-B/16 and BERT-base at batch 1 (TF32 off, as planline runs them):
the kernels one torch.mm / torch.addmm launches (torch.profiler) and the host time per call,
enqueued back to back without waiting, so that planline's host time per product
(InductorGpuProof's enqueue_top) can be set beside what cuBLAS costs under PyTorch on the same card.
"""
import time

import torch
from torch.profiler import ProfilerActivity, profile

SHAPES = [  # (M, K, N): ViT-B/16 [1] (197 tokens), BERT-base [1,128]
    (197, 768, 2304), (197, 768, 768), (197, 768, 3072), (197, 3072, 768),
    (128, 768, 768), (128, 768, 3072), (128, 3072, 768),
]


def main():
    torch.backends.cuda.matmul.allow_tf32 = False
    for m, k, n in SHAPES:
        a = torch.randn(m, k, device="cuda")
        w = torch.randn(n, k, device="cuda").t()  # a linear layer's weight, transposed view
        bias = torch.randn(n, device="cuda")
        for name, call in (("mm", lambda: torch.mm(a, w)),
                           ("addmm", lambda: torch.addmm(bias, a, w))):
            for _ in range(20):
                call()
            torch.cuda.synchronize()
            with profile(activities=[ProfilerActivity.CUDA]) as prof:
                call()
                torch.cuda.synchronize()
            kernels = [e.name for e in prof.events() if e.device_type.name == "CUDA"]
            runs = 200
            start = time.perf_counter()
            for _ in range(runs):
                call()
            host_us = (time.perf_counter() - start) / runs * 1e6
            torch.cuda.synchronize()
            device_ms = (time.perf_counter() - start) * 1e3 / runs
            print(f"{name:5s} [{m},{k}]x[{k},{n}]: host {host_us:.1f} us/call "
                  f"(wall incl. device {device_ms * 1e3:.1f} us), "
                  f"{len(kernels)} kernel(s): {'; '.join(k[:60] for k in kernels)}")


if __name__ == "__main__":
    main()
