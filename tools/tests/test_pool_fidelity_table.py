"""Tests of tools/pool_fidelity_table.py's reading of the shared traces README (standard library
only): python3 -m unittest discover tools/tests"""

import importlib.util
import tempfile
import unittest
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "pool_fidelity_table", Path(__file__).resolve().parents[1] / "pool_fidelity_table.py")
table = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(table)

README = """# traces

| trace | graph | planned buffers | Inductor pool planner | pool / LB |
|---|---|---|---|---|
| mlp-infer-pool | 0 | 3 | 132352 | 1.0098 |
| mlp-infer-reuse | 0 | 5 | – | – |
| gpt2-infer-pool | 0 | 86 | 54348800 | 1.0402 |
"""


class SharedFiguresTest(unittest.TestCase):
    def test_sharedFigures_poolRowsOnly_byHeaderColumn(self):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "README.md"
            path.write_text(README)
            self.assertEqual({"mlp-infer-pool": 132352, "gpt2-infer-pool": 54348800},
                             table.shared_figures(path))


if __name__ == "__main__":
    unittest.main()
