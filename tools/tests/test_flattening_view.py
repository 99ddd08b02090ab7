"""A CNN head's flatten ([N, C, H, W] -> [N, C*H*W]) on the CPU: copied into NCHW order first, so
that Inductor writes the copy as a vectorised transpose instead of a scalar loop with a division
and a remainder per element.

Needs PyTorch (the CPU wheel is enough): python3 -m unittest tools/tests/test_flattening_view.py
"""

import sys
import unittest
from pathlib import Path

try:
    import torch
    from torch import nn
except ImportError:
    torch = None
    nn = None

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@unittest.skipIf(torch is None, "needs PyTorch")
class FlatteningViewTest(unittest.TestCase):

    def test_flattens_in_nchw_order_whatever_the_input_layout(self):
        from planline_inductor import _flattening_view  # pylint: disable=import-outside-toplevel
        x = torch.arange(2 * 3 * 4 * 5, dtype=torch.float32).reshape(2, 3, 4, 5)
        want = x.reshape(2, 60)
        for given in (x, x.to(memory_format=torch.channels_last)):
            for size in ([2, 60], [2, -1]):
                got = _flattening_view(given, size)
                self.assertEqual(got.shape, (2, 60))
                self.assertTrue(torch.equal(got, want))

    def test_declines_other_views(self):
        from planline_inductor import _flattening_view  # pylint: disable=import-outside-toplevel
        x = torch.zeros(2, 3, 4, 5)
        self.assertIs(_flattening_view(x, [6, 20]), NotImplemented)  # batch not kept
        self.assertIs(_flattening_view(x, [2, 3, 20]), NotImplemented)  # not to 2-D
        self.assertIs(_flattening_view(x.reshape(2, 3, 20), [2, 60]), NotImplemented)  # 3-D
        self.assertIs(_flattening_view(torch.zeros(2, 8, 1, 1), [2, 8]), NotImplemented)
        self.assertIs(_flattening_view(torch.zeros(2, 1, 4, 5), [2, 20]), NotImplemented)

    def test_inductor_writes_the_flatten_without_per_element_division(self):
        from planline_inductor import compile_and_capture  # pylint: disable=import-outside-toplevel
        torch.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(4, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(16 * 16, 10)).eval()
        x = torch.randn(8, 4, 8, 8)
        capture, outputs = compile_and_capture(model, {"x": x}, None)
        with torch.no_grad():
            torch.testing.assert_close(outputs[0], model(x), rtol=1e-5, atol=1e-5)
        sources = "\n".join(capture.sources.values())
        self.assertIn("transpose_mxn", sources)
        self.assertNotIn("div_floor_integer", sources)


if __name__ == "__main__":
    unittest.main()
