"""The exporter records what Inductor allocates for a buffer, not only its layout's span.

Needs PyTorch (the CPU wheel is enough): python3 -m unittest tools/tests/test_allocation_sizes.py
"""

import sys
import unittest
from pathlib import Path

try:
    import torch
except ImportError:  # the torch-free tests run without it
    torch = None

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class _Node:
    def __init__(self, allocation):
        self.allocation = allocation


# _line_record keys on the line's class name, as Inductor's wrapper-line classes are named
class AllocateLine:
    def __init__(self, node):
        self.node = node


class ReuseLine:
    def __init__(self, node, reused_as):
        self.node = node
        self.reused_as = reused_as
        self.delete_old = True


class _Graph:
    def get_allocation_storage_size(self, node):
        return node.allocation


@unittest.skipIf(torch is None, "PyTorch is not installed")
class AllocationSizesTest(unittest.TestCase):
    def test_allocateAndReuse_recordInductorsAllocationSize(self):
        import planline_inductor
        old, new = _Node(153600), _Node(153600)  # ViT-B/16 [1]: 200x768 for 197x768 rows
        kind, fields = planline_inductor._line_record(AllocateLine(old), _Graph())
        self.assertEqual(("AllocateLine", 153600), (kind, fields["allocation"]))
        kind, fields = planline_inductor._line_record(ReuseLine(old, new), _Graph())
        self.assertEqual(("ReuseLine", 153600), (kind, fields["allocation"]))

    def test_olderInductor_withoutAllocationSizes_recordsNone(self):
        import planline_inductor
        _, fields = planline_inductor._line_record(AllocateLine(_Node(8)), object())
        self.assertNotIn("allocation", fields)

    def test_reuseOfLargerStorage_keepsTheLargerSize(self):
        # DINOv2 [1] on the GPU: a kernel writes [1, 257, 768] in place over a [260, 768]
        # product (rows padded for alignment); the reuse passes the 199,680 elements on
        import sympy
        import planline_inductor
        layout = _Layout([1, 257, 768], [197376, 768, 1])
        self.assertEqual(199680, planline_inductor._reused_storage(
            sympy.Integer(199680), None, layout, "line 64"))
        self.assertIsNone(planline_inductor._reused_storage(      # same size: as before
            sympy.Integer(197376), None, layout, "line 64"))
        s0 = sympy.Symbol("s0", positive=True, integer=True)
        self.assertEqual(260 * 768 * s0, planline_inductor._reused_storage(
            260 * 768 * s0, None, _Layout([s0, 257, 768], [197376, 768, 1]), "line 9"))
        with self.assertRaisesRegex(planline_inductor.ExportError,
                                    "line 64: a reuse of a storage of 1000 elements for a "
                                    "buffer that needs 197376"):
            planline_inductor._reused_storage(sympy.Integer(1000), None, layout, "line 64")


class _Layout:
    def __init__(self, size, stride):
        self.size, self.stride = size, stride


if __name__ == "__main__":
    unittest.main()
