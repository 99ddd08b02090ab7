"""The exporter's errors and warnings name the operator and the model's source line.

Needs PyTorch (the CPU wheel is enough): python3 -m unittest tools/tests/test_export_errors.py
"""

import sys
import tempfile
import unittest
from pathlib import Path

try:
    import torch
except ImportError:  # the torch-free tests run without it
    torch = None

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@unittest.skipIf(torch is None, "PyTorch is not installed")
class ExportErrorsTest(unittest.TestCase):
    def setUp(self):
        import planline_export
        self.pe = planline_export
        self.out = tempfile.mkdtemp()

    def export(self, module, logs):
        return self.pe.export_model(module, {"x": torch.randn(2, 3)}, self.out + "/m", name="m",
                                    output_names=["y"], onnx=False, log=logs.append)

    def test_refusedOperator_errorNamesOperatorAndSourceLine(self):
        class DtypeView(torch.nn.Module):
            def forward(self, x):
                return x.view(torch.int32) + 1  # a view that changes the element type

        with self.assertRaises(self.pe.ExportError) as caught:
            self.export(DtypeView(), [])
        message = str(caught.exception)
        self.assertIn("operator aten.view.dtype", message)
        self.assertIn(f"{Path(__file__).name}:", message)
        self.assertIn("return x.view(torch.int32) + 1", message)

    def test_kernelWithoutPlanlineKernel_warningNamesSourceLine(self):
        class Erfcx(torch.nn.Module):
            def forward(self, x):
                return torch.special.erfcx(x * 2)

        logs = []
        self.export(Erfcx(), logs)
        warnings = [line for line in logs if line.startswith("WARNING")]
        self.assertEqual(1, len(warnings), logs)
        self.assertIn("aten.special_erfcx.default has no planline kernel", warnings[0])
        self.assertIn("return torch.special.erfcx(x * 2)", warnings[0])


if __name__ == "__main__":
    unittest.main()
