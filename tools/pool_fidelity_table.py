"""Print docs/planners.md's fidelity table: every planner beside Inductor's own pool planner.

Runs ``plan --json`` (target/planline.jar) with inductor-pool, offset, greedy, greedy-peak and
noop on every graph of the captured traces (src/test/resources/traces/inductor-cpu and
inductor-cuda, the same models compiled for the CPU and for an H200, whose ``lines.json``
records carry Inductor's pools) and of the shared ``*-pool`` traces (whose
Inductor figure is the "Inductor pool planner" column of ../shared/traces/README.md), and prints
one markdown row per graph. Standard library only.

    mvn -B -q -o package -DskipTests && python3 tools/pool_fidelity_table.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CAPTURED = {"cpu": ROOT / "src/test/resources/traces/inductor-cpu",
            "cuda": ROOT / "src/test/resources/traces/inductor-cuda"}
SHARED = ROOT.parent / "shared/traces"
PLANNERS = ("inductor-pool", "offset", "greedy", "greedy-peak", "noop")


def shared_figures(readme=SHARED / "README.md"):
    """trace name -> Inductor's pool bytes, from the shared traces README's table."""
    figures = {}
    lines = Path(readme).read_text().splitlines()
    header = next(l for l in lines if l.startswith("| trace |"))
    column = [c.strip() for c in header.strip("|").split("|")].index("Inductor pool planner")
    for line in lines:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) > column and cells[0].endswith("-pool") and cells[column].isdigit():
            figures[cells[0]] = int(cells[column])
    return figures


def plan(file):
    """planner -> list of results (one per graph) of ``plan --json`` on ``file``."""
    args = ["java", "-jar", str(ROOT / "target/planline.jar"), "plan", "--json"]
    for p in PLANNERS:
        args += ["--planner", p]
    out = subprocess.run(args + [str(file)], check=True, capture_output=True, text=True).stdout
    by_planner = {}
    for r in json.loads(out)["results"]:
        by_planner.setdefault(r["planner"], []).append(r)
    return by_planner


def rows():
    traces = [(d.name, label, d / "lines.json", None) for label, root in CAPTURED.items()
              for d in sorted(root.iterdir()) if d.is_dir()]
    figures = shared_figures()
    traces += [(name, "shared", SHARED / "inductor" / name / "lines.json", figures[name])
               for name in sorted(figures)]
    for name, label, file, figure in traces:
        records = json.loads(file.read_text())
        results = plan(file)
        for graph, record in enumerate(records):
            pools = record.get("inductor_pools")
            theirs = figure if figure is not None else sum(p["bytes"] for p in pools)
            r = {p: results[p][graph] for p in PLANNERS}
            ours = r["inductor-pool"]["planned_bytes"]
            yield (f"{name} ({label})", graph, theirs,
                   f"{ours} ({(ours - theirs) / theirs:+.2%})", r["offset"]["planned_bytes"],
                   r["offset"]["lower_bound_bytes"], r["greedy"]["planned_bytes"],
                   r["greedy-peak"]["planned_bytes"], r["noop"]["planned_bytes"])


def main():
    print("| trace | graph | Inductor's pools | `inductor-pool` | `offset` | lower bound "
          "| `greedy` | `greedy-peak` | `noop` |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows():
        print("| " + " | ".join(str(c) for c in row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
