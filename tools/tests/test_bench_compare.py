"""Tests of tools/bench-compare.py's verdicts (standard library only): python3 -m unittest discover tools/tests"""

import importlib.util
import unittest
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "bench_compare", Path(__file__).resolve().parents[1] / "bench-compare.py")
bench_compare = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_compare)


def row(graph, ms, ratio=1.0, proven=True, planner="offset", **extra):
    return dict(graph=graph, planner=planner, median_ms=ms, ratio=ratio, proven=proven, **extra)


class CompareTest(unittest.TestCase):
    def verdict(self, baseline, fresh):
        return bench_compare.compare(baseline, fresh, factor=2.0, min_ms=1.0)

    def test_compare_moreThanTwiceSlower_fails(self):
        lines, bad = self.verdict([row("a", 10.0)], [row("a", 20.5)])
        self.assertTrue(bad)
        self.assertTrue(lines[0].startswith("SLOWER"), lines)

    def test_compare_twiceAsSlowExactly_passes(self):
        lines, bad = self.verdict([row("a", 10.0)], [row("a", 20.0)])
        self.assertFalse(bad, lines)

    def test_compare_subMillisecondFigures_areNotCompared(self):
        _, bad = self.verdict([row("a", 0.2)], [row("a", 0.9)])
        self.assertFalse(bad)

    def test_compare_provenRatioWorse_failsButUnprovenOnlyShows(self):
        lines, bad = self.verdict([row("a", 5.0)], [row("a", 5.0, ratio=1.01, proven=False)])
        self.assertTrue(bad)
        self.assertTrue(lines[0].startswith("WORSE"), lines)
        lines, bad = self.verdict([row("b", 5.0, ratio=1.02, proven=False)],
                                  [row("b", 5.0, ratio=1.03, proven=False)])
        self.assertFalse(bad)
        self.assertTrue(lines[0].startswith("ratio"), lines)

    def test_compare_missingFigure_failsAndNewFigureIsListed(self):
        lines, bad = self.verdict([row("a", 5.0)], [row("b", 5.0)])
        self.assertTrue(bad)
        self.assertTrue(any(l.startswith("MISSING") for l in lines), lines)
        self.assertTrue(any(l.startswith("new") for l in lines), lines)

    def test_compare_minFigure_judgesTheFastestRun(self):
        baseline = [dict(row("a", 10.0), min_ms=8.0)]
        fresh = [dict(row("a", 30.0), min_ms=9.0)]
        _, bad = bench_compare.compare(baseline, fresh, 2.0, 1.0, figure="min_ms")
        self.assertFalse(bad)
        _, bad = bench_compare.compare(baseline, fresh, 2.0, 1.0)
        self.assertTrue(bad)

    def test_compare_sameGraphOtherSuiteOrCapacity_areDistinctFigures(self):
        baseline = [row("A", 5.0, suite="challenging", capacity_bytes=1048576),
                    row("A", 50.0, suite="challenging")]
        fresh = [row("A", 5.0, suite="challenging", capacity_bytes=1048576),
                 row("A", 50.0, suite="challenging")]
        _, bad = self.verdict(baseline, fresh)
        self.assertFalse(bad)


class RoundsTest(unittest.TestCase):
    def test_runBench_severalRounds_keepsEachFiguresFastest(self):
        outputs = iter([
            '{"graph": "a", "planner": "offset", "median_ms": 5.0}\n',
            '{"graph": "b", "planner": "offset", "median_ms": 1.0}\n',
            '{"graph": "a", "planner": "offset", "median_ms": 3.0}\n',
            '{"graph": "b", "planner": "offset", "median_ms": 2.0}\n',
        ])

        class Done:
            def __init__(self):
                self.stdout = next(outputs)

        real = bench_compare.subprocess.run
        bench_compare.subprocess.run = lambda *args, **kwargs: Done()
        try:
            rows = bench_compare.run_bench("x.jar", 2, "median_ms")
        finally:
            bench_compare.subprocess.run = real
        self.assertEqual({"a": 3.0, "b": 1.0}, {r["graph"]: r["median_ms"] for r in rows})


if __name__ == "__main__":
    unittest.main()
