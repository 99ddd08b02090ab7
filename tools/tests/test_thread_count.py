"""The CPU kernels size nothing by the exporting machine's core count.

Needs PyTorch (the CPU wheel is enough): python3 -m unittest tools/tests/test_thread_count.py
"""

import re
import sys
import unittest
from pathlib import Path

try:
    import torch
except ImportError:
    torch = None

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


class _SumAndPool(torch.nn.Module if torch else object):
    def forward(self, x, y):
        pooled = torch.nn.functional.max_pool2d(torch.relu(y), 3, 2, 1)
        return (x * 2 + 1).sum(), pooled


@unittest.skipIf(torch is None, "needs PyTorch")
class ThreadCountTest(unittest.TestCase):

    def test_kernels_take_the_thread_count_when_they_run(self):
        from planline_inductor import compile_and_capture  # pylint: disable=import-outside-toplevel
        inputs = {"x": torch.randn(4096, 512),
                  "y": torch.randn(2, 64, 56, 56).to(memory_format=torch.channels_last)}
        batch = torch.export.Dim("batch")
        capture, _ = compile_and_capture(_SumAndPool().eval(), inputs,
                                         {"y": {0: batch}})
        source = "\n".join(capture.sources.values())
        # the whole-tensor sum keeps a partial per thread, as many as run it
        self.assertTrue("omp_get_max_threads()" in source, "partials not sized when run")
        # an array of the exporter's core count overflows on a machine with more cores
        fixed = re.search(r"\w+_arr\[\d+\]", source)
        self.assertIsNone(fixed, f"per-thread array of a fixed size: {fixed and fixed.group()}")
        self.assertFalse("num_threads(" in source, "a thread count written into the code")
        # the pool's outer loop is the batch: the next loop is shared too, for batch 1
        self.assertTrue("collapse(" in source, "the pool shares only its batch loop")


if __name__ == "__main__":
    unittest.main()
