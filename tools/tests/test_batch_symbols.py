"""Inputs whose batch dimensions share a name share one symbol, and the program says when
requests may be merged along it (batch_dim).

Needs PyTorch (the CPU wheel is enough): python3 -m unittest tools/tests/test_batch_symbols.py
"""

import json
import sys
import tempfile
import unittest
from pathlib import Path

try:
    import torch
except ImportError:  # the torch-free tests run without it
    torch = None

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class _Apart(torch.nn.Module if torch else object):
    """Two inputs the code never relates: Dynamo gives their batches two symbols."""

    def forward(self, ids, mask):
        return ids * 2 + 1, mask.float().sum(-1)


class _Pairwise(torch.nn.Module if torch else object):
    """Scores of every row against every row: [batch, batch]."""

    def forward(self, x):
        return x @ x.t()


@unittest.skipIf(torch is None, "PyTorch is not installed")
class BatchSymbolsTest(unittest.TestCase):

    def _export(self, model, inputs, dynamic, outputs):
        import planline_inductor
        with tempfile.TemporaryDirectory() as out:
            planline_inductor.export_inductor_cpu(model, inputs, out, name="t",
                                                  output_names=outputs, dynamic=dynamic,
                                                  avx512=False, log=lambda *a: None)
            return json.loads((Path(out) / "program.json").read_text())

    def test_batch_dims_of_one_name_are_one_symbol(self):
        from planline_export import DynamicDim
        inputs = {"ids": torch.tensor([[3, 1, 4], [1, 5, 9]]),
                  "mask": torch.tensor([[1, 1, 0], [1, 1, 1]])}
        # two objects of one name, as each input's spec may make its own
        program = self._export(_Apart(), inputs, {"ids": {0: DynamicDim("batch")},
                                                  "mask": {0: DynamicDim("batch")}},
                               ["y", "count"])
        self.assertEqual(["s0", 3], program["inputs"][0]["shape"])
        self.assertEqual(["s0", 3], program["inputs"][1]["shape"])
        self.assertEqual(0, program["batch_dim"])
        program = self._export(_Apart(), inputs, {"ids": {0: DynamicDim("texts")},
                                                  "mask": {0: DynamicDim("images")}},
                               ["y", "count"])
        self.assertEqual(["s1", 3], program["inputs"][1]["shape"])
        self.assertIsNone(program["batch_dim"])

    def test_one_name_with_two_bounds_is_refused_naming_both_inputs(self):
        from planline_export import DynamicDim, ExportError
        inputs = {"ids": torch.tensor([[3, 1, 4], [1, 5, 9]]),
                  "mask": torch.tensor([[1, 1, 0], [1, 1, 1]])}
        with self.assertRaises(ExportError) as caught:
            self._export(_Apart(), inputs, {"ids": {0: DynamicDim("batch")},
                                            "mask": {0: DynamicDim("batch", max=64)}},
                         ["y", "count"])
        message = str(caught.exception)
        self.assertIn("'batch'", message)
        self.assertIn("mask", message)
        self.assertIn("ids", message)

    def test_output_coupling_the_rows_is_never_batched(self):
        from planline_export import DynamicDim
        program = self._export(_Pairwise(), {"x": torch.randn(3, 4)},
                               {"x": {0: DynamicDim("batch")}}, ["scores"])
        self.assertEqual(["s0", "s0"], program["outputs"][0]["shape"])
        self.assertIsNone(program["batch_dim"])

    def test_batch_dim_rule(self):
        from planline_export import batch_dim
        ins = [{"shape": ["s0", 128]}, {"shape": ["s0", 128]}]
        self.assertEqual(0, batch_dim(ins, [{"shape": ["s0", 128, 768]}]))
        self.assertEqual(0, batch_dim(ins, [{"shape": ["s0", "s10"]}]))  # s10 is not s0
        self.assertIsNone(batch_dim(ins, [{"shape": ["s0", "2*s0"]}]))
        self.assertIsNone(batch_dim(ins, [{"shape": ["s0", "s0"]}]))
        self.assertIsNone(batch_dim([{"shape": ["s0", 4]}, {"shape": ["s1", 4]}], []))
        self.assertIsNone(batch_dim([{"shape": [2, 4]}], []))


if __name__ == "__main__":
    unittest.main()
