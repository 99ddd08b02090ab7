"""Models planline's own tests run, exported with ``planline_export.py`` into
``src/test/resources/inductor-cpu/``; small enough to keep in git.

    PYTHONPATH=tools python3 tools/planline_export.py test_models:floor_divide_spec \
        src/test/resources/inductor-cpu/floor-divide --compile inductor
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
