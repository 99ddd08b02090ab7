"""Tensors a model keeps outside its parameters and buffers reach the export.

Needs PyTorch (the CPU wheel is enough): python3 -m unittest tools/tests/test_module_tensors.py
"""

import sys
import unittest
from pathlib import Path

try:
    import torch
except ImportError:  # the torch-free tests run without it
    torch = None

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _caching_attention():
    class Biased(torch.nn.Module):
        """LeViT's pattern: biases gathered by index once, kept in a dict by device."""

        def __init__(self):
            super().__init__()
            self.biases = torch.nn.Parameter(torch.randn(2, 5))
            self.register_buffer("idxs", torch.tensor([[0, 1, 2], [2, 3, 4], [4, 0, 1]]))
            self.cache = {}

        def forward(self, x):                                     # [n, 2, 3, 3]
            key = str(x.device)
            if key not in self.cache:
                self.cache[key] = self.biases[:, self.idxs]
            return (x + self.cache[key]).softmax(-1)

    return Biased().eval()


@unittest.skipIf(torch is None, "PyTorch is not installed")
class ModuleTensorsTest(unittest.TestCase):
    def test_tensorsInAttributesAndDicts_haveKeys(self):
        import planline_inductor
        torch.manual_seed(0)
        model = torch.nn.Sequential(_caching_attention())
        x = torch.randn(1, 2, 3, 3)
        model(x)
        state = planline_inductor._module_tensors(model)
        inner = model[0]
        self.assertEqual("0.biases", state[id(inner.biases)])
        self.assertEqual("0.idxs", state[id(inner.idxs)])
        self.assertEqual("0.cache.cpu", state[id(inner.cache["cpu"])])

    def test_modelFillingACacheOnItsFirstCall_compilesToItsOneOutput(self):
        # traced on its first call, the store into the cache became 1 more graph output
        import planline_inductor
        torch.manual_seed(0)
        model = _caching_attention()
        x = torch.randn(2, 2, 3, 3)
        capture, outputs = planline_inductor.compile_and_capture_with(model, [x], ["x"], None)
        self.assertEqual(1, len(capture.graphs[0]["outputs"]))
        self.assertTrue(torch.allclose(outputs[0], model(x), atol=1e-6))


if __name__ == "__main__":
    unittest.main()
