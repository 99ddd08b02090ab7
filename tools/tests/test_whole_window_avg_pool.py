"""Average pools whose one window covers the whole input, written as means, equal PyTorch's
avg_pool2d; every other pool is left to Inductor.

Needs PyTorch (the CPU wheel is enough):
python3 -m unittest tools/tests/test_whole_window_avg_pool.py
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
class WholeWindowAvgPoolTest(unittest.TestCase):

    def _check(self, shape, kernel, stride=(), ceil_mode=False):
        from planline_inductor import _whole_window_avg_pool  # noqa: E501 pylint: disable=import-outside-toplevel
        x = torch.randn(*shape, generator=torch.Generator().manual_seed(0))
        got = _whole_window_avg_pool(x, kernel, stride, 0, ceil_mode)
        self.assertIsNot(got, NotImplemented, f"{shape} {kernel} {stride} {ceil_mode}")
        want = torch.ops.aten.avg_pool2d(x, kernel, stride, 0, ceil_mode)
        self.assertEqual(want.shape, got.shape)
        torch.testing.assert_close(got, want, rtol=1e-6, atol=1e-6)

    def test_a_window_over_the_whole_input_is_its_mean(self):
        self._check((2, 1280, 7, 7), [1280, 1280], ceil_mode=True)  # transformers' EfficientNet
        self._check((2, 16, 7, 7), [7, 7])
        self._check((16, 6, 6), [6, 6], [1, 1])  # no batch dimension
        self._check((1, 3, 4, 9), [9], ceil_mode=True)  # one size for both dimensions

    def test_declines_pools_with_more_than_one_window_or_padding(self):
        from planline_inductor import _whole_window_avg_pool  # noqa: E501 pylint: disable=import-outside-toplevel
        x = torch.randn(1, 4, 7, 7)
        for args in (([3, 3], [], 0, False), ([7, 7], [], 1, False),
                     ([7, 3], [1, 1], 0, False)):  # the whole height, five windows across
            self.assertIs(_whole_window_avg_pool(x, *args), NotImplemented, str(args))
        self.assertIs(_whole_window_avg_pool(x, [7, 7], [], 0, False, True, 3), NotImplemented)


if __name__ == "__main__":
    unittest.main()
