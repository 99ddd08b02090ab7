"""Small CPU convolutions written out as shifted multiply-adds equal PyTorch's convolution.

Needs PyTorch (the CPU wheel is enough): python3 -m unittest tools/tests/test_taps_convolution.py
"""

import sys
import unittest
from pathlib import Path

try:
    import torch
except ImportError:
    torch = None

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@unittest.skipIf(torch is None, "needs PyTorch")
class TapsConvolutionTest(unittest.TestCase):

    def _check(self, channels, kernel, stride, padding, dilation, bias):
        from planline_inductor import _taps_convolution  # pylint: disable=import-outside-toplevel
        torch.manual_seed(0)
        x = torch.randn(3, channels, 9, 11)
        w = torch.randn(5, channels, *kernel)
        b = torch.randn(5) if bias else None
        got = _taps_convolution(x, w, b, stride, padding, dilation, False, [0, 0], 1)
        want = torch.nn.functional.conv2d(x, w, b, stride, padding, dilation)
        self.assertEqual(got.shape, want.shape)
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)

    def test_matches_conv2d(self):
        self._check(1, (3, 3), [1, 1], [1, 1], [1, 1], False)  # digits-cnn's first layer
        self._check(1, (3, 3), [2, 1], [0, 1], [1, 1], True)
        self._check(1, (3, 3), [1, 2], [2, 0], [2, 1], True)
        self._check(2, (2, 2), [1, 1], [0, 0], [1, 1], True)
        self._check(1, (1, 5), [1, 1], [0, 2], [1, 1], False)

    def test_declines_larger_and_other_convolutions(self):
        from planline_inductor import _taps_convolution  # pylint: disable=import-outside-toplevel
        x = torch.randn(1, 3, 8, 8)
        w = torch.randn(4, 3, 3, 3)  # 27 taps: oneDNN's
        self.assertIs(_taps_convolution(x, w, None, [1, 1], [1, 1], [1, 1], False, [0, 0], 1),
                      NotImplemented)
        w = torch.randn(4, 1, 3, 3)
        self.assertIs(_taps_convolution(x, w, None, [1, 1], [1, 1], [1, 1], False, [0, 0], 3),
                      NotImplemented)  # grouped
        self.assertIs(_taps_convolution(x[:, :1], w, None, [1, 1], [1, 1], [1, 1], True,
                                        [0, 0], 1), NotImplemented)  # transposed


if __name__ == "__main__":
    unittest.main()
