"""Long attention is written out in blocks of query rows and gives PyTorch's answer; short
attention, or one whose sequence length is symbolic, stays whole.

Needs PyTorch (the CPU wheel is enough):
python3 -m unittest tools/tests/test_attention_blocks.py
"""

import sys
import unittest
from pathlib import Path

try:
    import torch
    import torch.nn.functional as F
    from torch.fx.experimental.proxy_tensor import make_fx
except ImportError:
    torch = None

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@unittest.skipIf(torch is None, "needs PyTorch")
class AttentionBlocksTest(unittest.TestCase):

    def setUp(self):
        import planline_inductor  # pylint: disable=import-outside-toplevel
        self.module = planline_inductor
        self.saved = planline_inductor.ATTENTION_BLOCK_BYTES
        # 2 heads x 40 keys x 4 bytes = 320 bytes a query row: 1,000 bytes makes blocks of 3 rows
        planline_inductor.ATTENTION_BLOCK_BYTES = 1000

    def tearDown(self):
        self.module.ATTENTION_BLOCK_BYTES = self.saved

    @staticmethod
    def _qkv(batch=3, heads=2, queries=40, keys=40, dim=8, kv_heads=None):
        g = torch.Generator().manual_seed(0)
        return (torch.randn(batch, heads, queries, dim, generator=g),
                torch.randn(batch, kv_heads or heads, keys, dim, generator=g),
                torch.randn(batch, kv_heads or heads, keys, dim, generator=g))

    def _products(self, f, *args, tracing_mode="fake"):
        gm = make_fx(lambda q, k, v: f(q, k, v), tracing_mode=tracing_mode)(*args)
        return sum(1 for n in gm.graph.nodes if n.target in (torch.ops.aten.bmm.default,
                                                             torch.ops.aten.mm.default))

    def test_blocks_match_pytorch_with_every_kind_of_mask(self):
        q, k, v = self._qkv()
        g = torch.Generator().manual_seed(1)
        masks = {
            "none": None,
            # the diagonal kept, so that no row is masked whole
            "bool per row": (torch.rand(3, 1, 40, 40, generator=g) > 0.3)
                            | torch.eye(40, dtype=torch.bool),
            "float per key": torch.randn(3, 1, 1, 40, generator=g),
            "float per row and head": torch.randn(3, 2, 40, 40, generator=g),
        }
        for name, mask in masks.items():
            for causal in (False, True):
                with self.subTest(mask=name, causal=causal):
                    if not causal:
                        expected = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
                    elif mask is None:
                        expected = F.scaled_dot_product_attention(q, k, v, is_causal=True)
                    else:
                        expected = F.scaled_dot_product_attention(
                            q, k, v, attn_mask=self._with_causal(mask))
                    got = self.module._attention(q, k, v, attn_mask=mask, is_causal=causal)
                    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)

    @staticmethod
    def _with_causal(mask):
        causal = torch.ones(40, 40, dtype=torch.bool).tril()
        if mask.dtype == torch.bool:
            return causal & mask
        return mask.masked_fill(~causal, float("-inf"))

    def test_grouped_query_attention_in_blocks(self):
        q, k, v = self._qkv(heads=4, kv_heads=2)
        self.module.ATTENTION_BLOCK_BYTES = 2000
        got = self.module._attention(q, k, v, enable_gqa=True, scale=0.3)
        expected = F.scaled_dot_product_attention(q, k, v, enable_gqa=True, scale=0.3)
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)

    def test_block_count_follows_the_scores_size(self):
        q, k, v = self._qkv()
        # 40 rows x 320 bytes = 12,800 bytes, over 1,000 bytes 13 times: blocks of
        # ceil(40 / 13) = 4 rows, so 10 blocks of two products each
        self.assertEqual(self._products(self.module._attention, q, k, v), 20)
        self.module.ATTENTION_BLOCK_BYTES = 12_800
        self.assertEqual(self._products(self.module._attention, q, k, v), 2)

    def test_zero_bytes_keeps_every_attention_whole(self):
        self.module.ATTENTION_BLOCK_BYTES = 0
        self.assertEqual(self._products(self.module._attention, *self._qkv()), 2)

    def test_the_exporter_refuses_a_negative_or_misplaced_block_size(self):
        import planline_export  # pylint: disable=import-outside-toplevel
        for argv in (["m:f", "out", "--compile", "inductor", "--attention-block-mib", "-1"],
                     ["m:f", "out", "--attention-block-mib", "4"],
                     ["m:f", "out", "--compile", "inductor", "--device", "cuda",
                      "--attention-block-mib", "4"]):
            with self.subTest(argv=argv), self.assertRaises(SystemExit) as exit_:
                planline_export.main(argv)
            self.assertEqual(exit_.exception.code, 2)

    def test_a_symbolic_sequence_stays_whole(self):
        q, k, v = self._qkv()
        self.assertEqual(self._products(self.module._attention, q, k, v,
                                        tracing_mode="symbolic"), 2)


if __name__ == "__main__":
    unittest.main()
