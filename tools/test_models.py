"""Models planline's own tests run, exported with ``planline_export.py`` into
``src/test/resources/inductor-cpu/``; small enough to keep in git.

    PYTHONPATH=tools python3 tools/planline_export.py test_models:floor_divide_spec \
        src/test/resources/inductor-cpu/floor-divide --compile inductor

and likewise ``shifted_embedding_spec`` into ``shifted-embedding`` and
``shifted_embedding_3_spec`` into ``shifted-embedding-3``.
"""

from __future__ import annotations

import torch
from torch import nn

from planline_export import DynamicDim


class FloorDivide(nn.Module):
    """``(a // b) * 2 + 1`` on int64 tensors: Inductor writes the division as a C++ kernel that
    throws ZeroDivisionError where a divisor is zero."""

    def forward(self, a, b):
        return (a // b) * 2 + 1


def floor_divide_spec():
    # two rows: an example batch of 1 would be specialised to a fixed size
    a = torch.tensor([[7, -8, 9, 10], [1, 2, 3, 4]], dtype=torch.int64)
    b = torch.tensor([[2, 3, -4, 5], [1, 1, 1, 1]], dtype=torch.int64)
    return {"model": FloorDivide(), "inputs": {"a": a, "b": b}, "name": "floor-divide",
            "output_names": ["y"],
            "dynamic": {"a": {0: DynamicDim("batch", min=1)}, "b": {0: DynamicDim("batch", min=1)}},
            "description": "(a // b) * 2 + 1 on int64 [batch, 4] tensors, for the tests of a "
                           "compiled kernel's own checks (a zero divisor)."}



class ShiftedEmbedding(nn.Module):
    """``embedding(ids + shift) * scale``: the index the kernel checks is computed in the model,
    so the exporter's ``index_bounds`` (which follow only views of an input) do not cover it, and
    Inductor's own check is the only one, inside the kernel's OpenMP loop. Two of them with other
    constants compile to kernels of the same name (cpp_fused_add_embedding_mul_0), for the test
    that each model's library calls its own."""

    def __init__(self, rows, shift, scale):
        super().__init__()
        generator = torch.Generator().manual_seed(rows)
        self.table = nn.Parameter(torch.randn(rows, 16, generator=generator))
        self.shift = shift
        self.scale = scale

    def forward(self, ids):
        return torch.nn.functional.embedding(ids + self.shift, self.table) * self.scale


def _shifted_spec(name, rows, shift, scale):
    ids = torch.tensor([[0, 1, 2, 3, 4, 5, 6, 7], [8, 7, 6, 5, 4, 3, 2, 1]], dtype=torch.int64)
    return {"model": ShiftedEmbedding(rows, shift, scale), "inputs": {"ids": ids}, "name": name,
            "output_names": ["y"], "dynamic": {"ids": {0: DynamicDim("batch", min=1)}},
            "description": f"embedding(ids + {shift}) * {scale} with a {rows}-row table (ids 0.."
                           f"{rows - shift - 1} are valid), for the tests of an index check "
                           "inside a parallel kernel."}


def shifted_embedding_spec():
    return _shifted_spec("shifted-embedding", 10, 1, 2.0)


def shifted_embedding_3_spec():
    return _shifted_spec("shifted-embedding-3", 12, 3, 0.5)
