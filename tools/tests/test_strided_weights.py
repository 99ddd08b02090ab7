"""Strided (channels-last) weights are written in memory order (format version 3).

Needs PyTorch (the CPU wheel is enough): python3 -m unittest tools/tests/test_strided_weights.py
"""

import json
import struct
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
class StridedWeightsTest(unittest.TestCase):
    def test_channelsLastWeight_storedInMemoryOrderWithPermutedShape(self):
        import planline_export
        w = torch.arange(2 * 3 * 2 * 2, dtype=torch.float32).reshape(2, 3, 2, 2)
        cl = w.contiguous(memory_format=torch.channels_last)
        with tempfile.TemporaryDirectory() as out:
            path = Path(out) / "w.safetensors"
            planline_export.write_safetensors(path, {"a": cl, "b": cl}, strided={"a"})
            raw = path.read_bytes()
            n = struct.unpack("<Q", raw[:8])[0]
            header = json.loads(raw[8:8 + n])
            data = raw[8 + n:]
        self.assertEqual([2, 2, 2, 3], header["a"]["shape"])   # [O, kh, kw, I]
        begin, end = header["a"]["data_offsets"]
        stored = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.float32)
        self.assertTrue(torch.equal(stored, w.permute(0, 2, 3, 1).reshape(-1)))
        # the same bytes as the strided tensor's storage, in order
        self.assertTrue(torch.equal(stored, torch.as_strided(cl, (cl.numel(),), (1,))))
        self.assertEqual([2, 3, 2, 2], header["b"]["shape"])   # not strided: row-major
        begin, end = header["b"]["data_offsets"]
        self.assertTrue(torch.equal(
            torch.frombuffer(bytearray(data[begin:end]), dtype=torch.float32), w.reshape(-1)))

    def test_notDense_isRefusedNamingTheWeight(self):
        import planline_export
        broadcast = torch.ones(3).expand(2, 3)
        with self.assertRaisesRegex(planline_export.ExportError, "weight k: strides"):
            planline_export.physical_order("k", broadcast)

    def test_channelsLastWeights_onlyFourDimensionalFloatParameters(self):
        import planline_inductor
        model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Conv2d(4, 5, 1),
                                    torch.nn.Linear(5, 2))
        planline_inductor.channels_last_weights(model)
        self.assertEqual((27, 1, 9, 3), model[0].weight.stride())
        self.assertFalse(model[0].weight.is_contiguous())
        self.assertTrue(model[1].weight.is_contiguous())  # 1x1: no stride written
        self.assertEqual((5, 1), model[2].weight.stride())


if __name__ == "__main__":
    unittest.main()
