"""A boolean attention mask that several layers apply becomes one float mask they add.

Needs PyTorch (the CPU wheel is enough): python3 -m unittest tools/tests/test_additive_masks.py
"""

import sys
import unittest
from pathlib import Path

try:
    import torch
except ImportError:  # the torch-free tests run without it
    torch = None

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _two_layers(scores1, scores2, ids):
    # a mask built once from the input (as transformers does), applied by every layer as the
    # exporter's written-out attention applies it
    mask = (ids > 0)[:, None, None, :].expand(-1, 1, 4, 4)
    out = []
    for scores in (scores1, scores2):
        out.append((scores * 0.5).masked_fill(~mask, float("-inf")).softmax(-1))
    return out[0] + out[1]


def _aten_graph(f, inputs):
    """``f`` traced to ATen operations decomposed as Inductor decomposes them."""
    from torch._inductor.decomposition import select_decomp_table
    from torch.fx.experimental.proxy_tensor import make_fx
    return make_fx(f, decomposition_table=select_decomp_table(), tracing_mode="fake")(*inputs)


@unittest.skipIf(torch is None, "PyTorch is not installed")
class AdditiveMasksTest(unittest.TestCase):
    def _inputs(self):
        g = torch.Generator().manual_seed(0)
        ids = torch.tensor([[3, 1, 0, 0], [5, 6, 7, 8]])
        return torch.randn(2, 3, 4, 4, generator=g), torch.randn(2, 3, 4, 4, generator=g), ids

    def test_sharedMask_becomesOneAddedFloatMask(self):
        from planline_graph_passes import additive_masks
        gm = _aten_graph(_two_layers, self._inputs())
        self.assertEqual(1, additive_masks(gm.graph))
        gm.graph.lint()
        gm.recompile()
        names = [str(n.target) for n in gm.graph.nodes]
        self.assertNotIn("aten.bitwise_not.default", names)
        self.assertEqual(3, names.count("aten.add.Tensor"))  # a mask added per layer, + the sum
        self.assertEqual(1, names.count("prims.inductor_force_stride_order.default"))
        x = self._inputs()
        self.assertTrue(torch.allclose(gm(*x), _two_layers(*x), atol=1e-6))  # decomposed softmax

    def test_maskOfOneLayer_orAppliedOtherwise_staysAsItWas(self):
        from planline_graph_passes import additive_masks

        def one_layer(scores1, scores2, ids):
            mask = (ids > 0)[:, None, None, :]
            return scores1.masked_fill(~mask, float("-inf")) + scores2

        def not_minus_inf(scores1, scores2, ids):
            mask = (ids > 0)[:, None, None, :]
            return scores1.masked_fill(~mask, 0.0) + scores2.masked_fill(~mask, 0.0)

        for f in (one_layer, not_minus_inf):
            gm = _aten_graph(f, self._inputs())
            self.assertEqual(0, additive_masks(gm.graph), f.__name__)

    def test_compiledWithThePass_matchesEager(self):
        import planline_inductor

        class Model(torch.nn.Module):
            def forward(self, scores1, scores2, ids):
                return _two_layers(scores1, scores2, ids)

        x = self._inputs()
        capture, outputs = planline_inductor.compile_and_capture_with(
            Model(), list(x), ["s1", "s2", "ids"], None)
        self.assertTrue(torch.allclose(outputs[0], _two_layers(*x), atol=1e-6))
        self.assertNotIn("bitwise_not", "".join(capture.sources))  # kernel names


if __name__ == "__main__":
    unittest.main()
