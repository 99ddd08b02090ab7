"""Zero pads equal on both sides folded into the convolution after them give PyTorch's answer;
other pads stay.

Needs PyTorch (the CPU wheel is enough): python3 -m unittest tools/tests/test_fold_zero_pads.py
"""

import sys
import unittest
from pathlib import Path

try:
    import torch
    from torch.fx.experimental.proxy_tensor import make_fx
except ImportError:
    torch = None

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _pad_then_conv(pads, value=0.0, stride=1, groups=1):
    aten = torch.ops.aten

    def f(x, w):
        padded = aten.constant_pad_nd(x, pads, value)
        return aten.convolution(padded, w, None, [stride, stride], [0, 0], [1, 1], False,
                                [0, 0], groups)
    return f


@unittest.skipIf(torch is None, "needs PyTorch")
class FoldZeroPadsTest(unittest.TestCase):

    def _folded(self, f, x, w):
        from planline_inductor import fold_zero_pads  # pylint: disable=import-outside-toplevel
        gm = make_fx(f)(x, w)
        fold_zero_pads(gm.graph)
        gm.recompile()
        pads = [n for n in gm.graph.nodes if n.target is torch.ops.aten.constant_pad_nd.default]
        torch.testing.assert_close(gm(x, w), f(x, w), rtol=1e-5, atol=1e-5)
        return len(pads) == 0

    def test_an_even_zero_pad_becomes_the_convolutions_padding(self):
        x = torch.randn(2, 8, 9, 7, generator=torch.Generator().manual_seed(0))
        depthwise = torch.randn(8, 1, 3, 3, generator=torch.Generator().manual_seed(1))
        dense = torch.randn(4, 8, 3, 5, generator=torch.Generator().manual_seed(2))
        self.assertTrue(self._folded(_pad_then_conv([1, 1, 1, 1], groups=8), x, depthwise))
        self.assertTrue(self._folded(_pad_then_conv([2, 2, 1, 1]), x, dense))
        self.assertTrue(self._folded(_pad_then_conv([1, 1, 1, 1], stride=2), x, dense))

    def test_uneven_nonzero_or_shared_pads_stay(self):
        x = torch.randn(1, 8, 8, 8, generator=torch.Generator().manual_seed(0))
        w = torch.randn(4, 8, 3, 3, generator=torch.Generator().manual_seed(1))
        self.assertFalse(self._folded(_pad_then_conv([0, 1, 0, 1], stride=2), x, w))
        self.assertFalse(self._folded(_pad_then_conv([1, 1, 1, 1], value=1.0), x, w))
        aten = torch.ops.aten

        def shared(x, w):  # the padded tensor is read again after the convolution
            padded = aten.constant_pad_nd(x, [1, 1, 1, 1], 0.0)
            out = aten.convolution(padded, w, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)
            return out, padded.sum()
        from planline_inductor import fold_zero_pads  # pylint: disable=import-outside-toplevel
        gm = make_fx(shared)(x, w)
        fold_zero_pads(gm.graph)
        self.assertTrue(any(n.target is aten.constant_pad_nd.default for n in gm.graph.nodes))


if __name__ == "__main__":
    unittest.main()
