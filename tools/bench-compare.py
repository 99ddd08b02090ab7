#!/usr/bin/env python3
"""Planning speed, watched: run a fresh `bench --json` and compare it with the recorded figures.

Runs the benchmark set below with the built jar, matches each result with the same graph and
planner in the baseline (docs/bench-baseline.jsonl, written by this script's --record from the
same `bench --json` output), and lists every figure whose median planning time got more than
FACTOR times slower (SLOWER), or whose proven ratio to the lower bound got worse (WORSE). Exit
status 1 if any did, or if a recorded figure is missing from the fresh run; 0 otherwise.

It is a benchmark, not a test: times depend on the machine and on what else runs on it, so the
load average is printed beside the verdict, figures under --min-ms are not compared (a figure of
a few tenths of a millisecond doubles with scheduling noise alone), and --figure min_ms compares
the fastest timed run instead of the median where others' jobs come and go.

Usage, from anywhere (paths are relative to the repository root):
  mvn -B -q package -DskipTests
  tools/bench-compare.py                 # compare
  tools/bench-compare.py --record        # replace the baseline with a fresh run
  tools/bench-compare.py --rounds 3      # each figure from its fastest of three runs of the set
Standard library only.
"""

import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The figures docs/benchmarks.md quotes: every planner on the two idealloc real-model lists of
# about a thousand buffers and the largest trace graphs, then the offset planners' suites.
# Paths stay relative (to ROOT) because results are keyed by the graph name bench prints.
SHARED = "../shared"
FILES = [
    SHARED + "/benchmarks/minimalloc/idealloc/somas_tensors/resnet50.csv",
    SHARED + "/benchmarks/minimalloc/idealloc/iopddl/G_1.csv",
    SHARED + "/traces/inductor/resnet50-train-reuse/lines.json",
    SHARED + "/traces/inductor/gpt2-train-reuse/lines.json",
]
RUNS = [
    # 20 warm-up runs: on a loaded machine the JIT compiler threads starve, and 5 left the first
    # rows of a fresh JVM partly uncompiled.
    ["bench", "--json", "--warmup", "20", "--runs", "10"] + FILES,
    ["bench", "--json", "--shared", SHARED, "--offset-suite", "traces",
     "--offset-suite", "examples", "--offset-suite", "idealloc"],
]


def key(row):
    """What identifies a figure across runs."""
    return (row.get("suite", ""), row["graph"], row["planner"], row.get("capacity_bytes", 0))


def label(k):
    suite, graph, planner, capacity = k
    name = graph if not suite else suite + ": " + graph
    return "%s @%d, %s" % (name, capacity, planner) if capacity else "%s, %s" % (name, planner)


def run_bench(jar, rounds, figure):
    """The benchmark set, run `rounds` times; per figure, the round where it was fastest."""
    best = {}
    for _ in range(rounds):
        for args in RUNS:
            cmd = ["java", "-jar", jar] + args
            print("$ " + " ".join(cmd), file=sys.stderr, flush=True)
            out = subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.PIPE,
                                 text=True).stdout
            for line in out.splitlines():
                if line.strip():
                    r = json.loads(line)
                    k = key(r)
                    if k not in best or r[figure] < best[k][figure]:
                        best[k] = r
    return list(best.values())


def read_rows(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def compare(baseline, fresh, factor, min_ms, figure="median_ms"):
    """The lines to print and whether anything regressed, judged on `figure` of each row."""
    now = {key(r): r for r in fresh}
    lines = []
    bad = False
    for old in baseline:
        k = key(old)
        new = now.get(k)
        if new is None:
            lines.append("MISSING  %s: recorded, not in the fresh run" % label(k))
            bad = True
            continue
        was, is_ = old[figure], new[figure]
        slower = is_ > factor * was and max(was, is_) >= min_ms
        worse = old["ratio"] is not None and (new["ratio"] is None or new["ratio"] > old["ratio"])
        # A proven figure can only get worse through a change; an unproven one (a search cut by
        # its time budget) moves with the machine's speed, so it is shown, not failed.
        failed_ratio = worse and old.get("proven", False)
        tag = "SLOWER" if slower else "WORSE" if failed_ratio else "ratio" if worse else "ok"
        bad |= slower or failed_ratio
        lines.append("%-7s  %s: %.3f -> %.3f ms (x%.2f), ratio %s -> %s" % (
            tag, label(k), was, is_, is_ / was if was > 0 else float("inf"),
            old["ratio"], new["ratio"]))
    known = {key(r) for r in baseline}
    for r in fresh:
        if key(r) not in known:
            lines.append("new      %s: %.3f ms, not recorded" % (label(key(r)), r[figure]))
    return lines, bad


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--jar", default="target/planline.jar", help="relative to the repository root")
    p.add_argument("--baseline", default="docs/bench-baseline.jsonl",
                   help="recorded figures, relative to the repository root")
    p.add_argument("--factor", type=float, default=2.0, help="slower than this many times fails")
    p.add_argument("--min-ms", type=float, default=1.0,
                   help="figures below this on both sides are not compared")
    p.add_argument("--figure", choices=["median_ms", "min_ms"], default="median_ms",
                   help="which time to compare; min_ms is steadier when others load the machine")
    p.add_argument("--rounds", type=int, default=1,
                   help="run the set this many times and keep each figure's fastest round"
                        " (for --record too: others' jobs only ever make a figure slower)")
    p.add_argument("--fresh", help="compare this bench --json output instead of running bench")
    p.add_argument("--record", action="store_true", help="write a fresh run as the baseline")
    a = p.parse_args(argv)
    baseline_path = os.path.join(ROOT, a.baseline)
    fresh = read_rows(a.fresh) if a.fresh else run_bench(os.path.join(ROOT, a.jar), a.rounds,
                                                           a.figure)
    load = "load average %.2f %.2f %.2f" % os.getloadavg()
    if a.record:
        with open(baseline_path, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(r) + "\n" for r in fresh)
        print("recorded %d figures in %s (%s)" % (len(fresh), a.baseline, load))
        return 0
    lines, bad = compare(read_rows(baseline_path), fresh, a.factor, a.min_ms, a.figure)
    print("\n".join(lines))
    print("%s: %s against %s (%s; factor %g, figures under %g ms not compared)" % (
        "REGRESSED" if bad else "no regression", a.figure, a.baseline, load, a.factor, a.min_ms))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
