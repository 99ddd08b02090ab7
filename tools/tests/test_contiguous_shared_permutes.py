"""A transposed fixed-shape tensor that several kernels read is copied once into its own order
(T5's position bias); permutes of a batch, read once, or keeping the innermost dimension stay.
The rewritten graph gives the same answer.

Needs PyTorch (the CPU wheel is enough):
python3 -m unittest tools/tests/test_contiguous_shared_permutes.py
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


def _bias_read_by_two_softmaxes(x, table, mask):
    """A [query, key, head] lookup read as [1, head, query, key] by two layers' softmaxes."""
    bias = table.permute(2, 0, 1).unsqueeze(0) + mask
    first = torch.softmax(x + bias, dim=-1)
    return torch.softmax(first @ x.transpose(-1, -2) + bias, dim=-1)


@unittest.skipIf(torch is None, "needs PyTorch")
class ContiguousSharedPermutesTest(unittest.TestCase):

    def _rewrite(self, f, *args, tracing_mode="fake"):
        from planline_graph_passes import contiguous_shared_permutes  # pylint: disable=import-outside-toplevel
        gm = make_fx(f, tracing_mode=tracing_mode)(*args)
        copied = contiguous_shared_permutes(gm.graph)
        gm.recompile()
        return gm, copied

    @staticmethod
    def _inputs(batch=2):
        g = torch.Generator().manual_seed(0)
        x = torch.randn(batch, 4, 16, 16, generator=g)
        table = torch.randn(16, 16, 4, generator=g)
        mask = torch.randn(batch, 1, 1, 16, generator=g)
        return x, table, mask

    def test_a_shared_transposed_bias_is_copied_once_in_its_own_order(self):
        x, table, mask = self._inputs()
        gm, copied = self._rewrite(_bias_read_by_two_softmaxes, x, table, mask)
        self.assertEqual(copied, 1)
        forced = [n for n in gm.graph.nodes
                  if n.target is torch.ops.prims.inductor_force_stride_order.default]
        self.assertEqual(len(forced), 1)
        self.assertEqual(forced[0].args[1], [256, 16, 1])
        self.assertIs(forced[0].args[0].target, torch.ops.aten.permute.default)
        torch.testing.assert_close(gm(x, table, mask), _bias_read_by_two_softmaxes(x, table, mask))

    def test_a_permute_read_once_or_keeping_its_last_dimension_stays(self):
        x, table, mask = self._inputs()

        def read_once(x, table, mask):
            return torch.softmax(x + table.permute(2, 0, 1).unsqueeze(0) + mask, dim=-1)

        def heads_first(x, table, mask):  # the innermost dimension stays innermost
            bias = table.permute(1, 0, 2)
            return (x + bias.sum(-1)).sum(), (x * bias.amax(-1)).sum()

        self.assertEqual(self._rewrite(read_once, x, table, mask)[1], 0)
        self.assertEqual(self._rewrite(heads_first, x, table, mask)[1], 0)

    def test_a_permute_of_a_symbolic_shape_stays(self):
        x, table, mask = self._inputs(batch=3)

        def keys_transposed(x, table, mask):  # [batch, head, key, query], read twice
            kt = x.permute(0, 1, 3, 2)
            return torch.softmax(x @ kt, dim=-1), kt.amax(-1)

        self.assertEqual(self._rewrite(keys_transposed, x, table, mask,
                                       tracing_mode="symbolic")[1], 0)


if __name__ == "__main__":
    unittest.main()
