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

    def test_frozenGraph_foldsBatchNormAndKeepsTiedWeightsOnce(self):
        import planline_inductor

        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = torch.nn.Embedding(6, 4)
                self.conv = torch.nn.Conv2d(4, 4, 3, padding=1, bias=False)
                self.bn = torch.nn.BatchNorm2d(4)

            def forward(self, idx):
                x = self.emb(idx.view(-1, 9))                      # [n, 9, 4]
                img = x.transpose(1, 2).reshape(-1, 4, 3, 3)
                y = torch.relu(self.bn(self.conv(img))).flatten(2).transpose(1, 2)
                return y @ self.emb.weight.t()                     # tied output projection

        torch.manual_seed(0)
        model = Net().eval()
        model.bn.running_mean.uniform_(-1, 1)
        idx = torch.randint(0, 6, (2, 9))
        capture, outputs = planline_inductor.compile_and_capture_with(model, [idx], ["idx"],
                                                                       None)
        self.assertTrue(torch.allclose(outputs[0], model(idx), atol=1e-5))
        graph = capture.graphs[0]
        t = planline_inductor._Translator(graph, capture.example_inputs, model, [idx], ["idx"],
                                          ["y"], None, capture.sources)
        t.drop_unused_weights(t.translate())
        keys = [w["tensor"] for w in t.weights]
        self.assertFalse(any(k.startswith("bn.") for k in keys), keys)  # folded at export
        self.assertEqual(len({w["name"] for w in t.weights}), len(t.weights))
        # the embedding and its transpose are one stored tensor, written once
        tied = [w for w in t.weights if w["tensor"] == "emb.weight"]
        self.assertEqual(2, len(tied), t.weights)
        self.assertEqual([[4, 6], [6, 4]], sorted(w["shape"] for w in tied))
        self.assertEqual([1, 4], next(w for w in tied if w["shape"] == [4, 6])["stride"])
        self.assertEqual(set(keys), set(t.weight_values))
        # the table is an attribute of the frozen graph: its rows still bound the indices
        self.assertEqual({"idx": 6}, planline_inductor._index_bounds(capture, [idx], ["idx"]))


    def test_sliceOfBiggerBuffer_isFrozenDense(self):
        # GPT-Neo's causal mask: the first [n, n] of a [2048, 2048] buffer, rows 2048 apart;
        # freezing folds the slice into a constant that no dense layout holds
        import planline_inductor

        class Masked(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.register_buffer("bias", torch.tril(torch.ones(32, 32, dtype=torch.bool))
                                     .view(1, 1, 32, 32), persistent=False)

            def forward(self, x):                                  # [n, 1, 8, 8]
                mask = self.bias[:, :, :8, :8]
                return torch.where(mask, x, torch.tensor(-1e4)).softmax(-1)

        model = Masked().eval()
        x = torch.randn(2, 1, 8, 8)
        capture, outputs = planline_inductor.compile_and_capture_with(model, [x], ["x"], None)
        self.assertTrue(torch.allclose(outputs[0], model(x), atol=1e-6))
        graph = capture.graphs[0]
        t = planline_inductor._Translator(graph, capture.example_inputs, model, [x], ["x"],
                                          ["y"], None, capture.sources)
        t.drop_unused_weights(t.translate())
        self.assertEqual(1, len(t.weights), t.weights)
        mask = t.weights[0]
        self.assertEqual([1, 1, 8, 8], mask["shape"])
        self.assertNotIn("stride", mask)                           # row-major, as stored
        stored = t.weight_values[mask["tensor"]]
        self.assertTrue(stored.is_contiguous())
        self.assertTrue(torch.equal(stored, model.bias[:, :, :8, :8]))

    def test_sharedLayer_foldedConstantsStoredOnce(self):
        # ALBERT runs one layer twelve times: freezing concatenates its query, key and value
        # weights once per pass, and each copy used to be stored
        import planline_inductor

        class Layer(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.q, self.k, self.v = (torch.nn.Linear(8, 8) for _ in range(3))

            def forward(self, x):
                return torch.tanh(self.q(x) * self.k(x) + self.v(x))

        class Shared(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.layer = Layer()

            def forward(self, x):
                return self.layer(self.layer(self.layer(x)))

        torch.manual_seed(0)
        model = Shared().eval()
        x = torch.randn(4, 8)
        capture, outputs = planline_inductor.compile_and_capture_with(model, [x], ["x"], None)
        self.assertTrue(torch.allclose(outputs[0], model(x), atol=1e-5))
        t = planline_inductor._Translator(capture.graphs[0], capture.example_inputs, model, [x],
                                          ["x"], ["y"], None, capture.sources)
        t.drop_unused_weights(t.translate())
        folded = [w for w in t.weights if w["shape"] == [8, 24]]   # the three side by side
        self.assertEqual(3, len(folded), t.weights)                # one per pass ...
        self.assertEqual(1, len({w["tensor"] for w in folded}))    # ... stored once
        self.assertEqual(3, len({w["name"] for w in folded}))

    def test_denseConstants_copiesOnlyConstantsWithGaps(self):
        from planline_graph_passes import dense_constants, dense_layout
        module = torch.nn.Module()
        module.gaps = torch.ones(4, 16)[:, :8]                    # rows 16 apart, 8 long
        module.transposed = torch.ones(3, 5).t()                   # dense, permuted
        graph = torch.fx.Graph(module)
        graph.output((graph.get_attr("gaps"), graph.get_attr("transposed")))
        module.graph = graph
        self.assertEqual(["gaps"], dense_constants(graph))
        self.assertTrue(module.gaps.is_contiguous())
        self.assertEqual((1, 5), module.transposed.stride())     # left as it was
        self.assertTrue(dense_layout(torch.ones(2, 3, 4)[1:]))     # an offset alone is dense
        self.assertFalse(dense_layout(torch.ones(3).expand(2, 3)))


if __name__ == "__main__":
    unittest.main()
