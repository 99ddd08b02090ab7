"""Where a request's device time goes, from a trace of the device's activities.

Usage: python3 tools/gpu/kernel_gaps.py TRACE.csv|TRACE.sqlite

TRACE.csv is what tools/gpu/cupti_trace.c writes (the lent machine has CUPTI but no Nsight
Systems); TRACE.sqlite is an Nsight Systems trace's SQLite export.

Takes every kernel and memory copy of the trace, splits them into requests at idle gaps of the
device longer than --gap-us, keeps the requests that have the most common number of kernels
(one-at-a-time requests of one program; overlapping requests merge into longer runs and drop
out), and prints per kind (launched one by one, or replayed from a CUDA graph): the median span
of a request on the device (first activity's start to last one's end), the device's busy time
inside it, the idle time between its activities, and the largest idle gaps by the kernel that
followed them. Span minus busy is what the launch path costs the device.
"""
import argparse
import csv
import sqlite3
import statistics
from collections import Counter, defaultdict


def columns(db, table):
    return {r[1] for r in db.execute(f"PRAGMA table_info({table})")}


def activities(db):
    names = dict(db.execute("SELECT id, value FROM StringIds"))
    kcols = columns(db, "CUPTI_ACTIVITY_KIND_KERNEL")
    graph = "graphNodeId" if "graphNodeId" in kcols else "NULL"
    rows = []
    for start, end, name, node in db.execute(
            f"SELECT start, end, shortName, {graph} FROM CUPTI_ACTIVITY_KIND_KERNEL"):
        rows.append((start, end, names.get(name, "?"), bool(node)))
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "CUPTI_ACTIVITY_KIND_MEMCPY" in tables:
        mcols = columns(db, "CUPTI_ACTIVITY_KIND_MEMCPY")
        mgraph = "graphNodeId" if "graphNodeId" in mcols else "NULL"
        for start, end, kind, node in db.execute(
                f"SELECT start, end, copyKind, {mgraph} FROM CUPTI_ACTIVITY_KIND_MEMCPY"):
            rows.append((start, end, f"memcpy kind {kind}", bool(node)))
    rows.sort()
    return rows


def csv_activities(path):
    with open(path, newline="") as f:
        rows = [(int(r["start_ns"]), int(r["end_ns"]), r["name"], r["graph_node"] != "0")
                for r in csv.DictReader(f)]
    rows.sort()
    return rows


def requests(rows, gap_ns):
    out, current, last_end = [], [], 0
    for r in rows:
        if current and r[0] - last_end > gap_ns:
            out.append(current)
            current = []
        last_end = max(last_end, r[1]) if current else r[1]
        current.append(r)
    if current:
        out.append(current)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("trace")
    ap.add_argument("--gap-us", type=float, default=300)
    ap.add_argument("--positions", type=int, default=0,
                    help="also print the N largest gaps by position in the request (a gap at"
                         " a fixed position points at the host, e.g. a wait every 64 launches)")
    args = ap.parse_args()
    if args.trace.endswith(".csv"):
        rows = csv_activities(args.trace)
    else:
        rows = activities(sqlite3.connect(args.trace))
    reqs = requests(rows, args.gap_us * 1000)
    by_kind = defaultdict(list)
    before = {}
    for i, req in enumerate(reqs):
        kernels = sum(1 for r in req if not r[2].startswith("memcpy"))
        graphed = sum(1 for r in req if r[3])
        by_kind["graph" if graphed > len(req) / 2 else "launches"].append((kernels, req))
        if i:
            before[id(req)] = (req[0][0] - max(r[1] for r in reqs[i - 1])) / 1e6
    for kind, items in sorted(by_kind.items()):
        common, n = Counter(k for k, _ in items).most_common(1)[0]
        chosen = [req for k, req in items if k == common]
        idle_before = [before[id(r)] for r in chosen if id(r) in before]
        spans, busy, idle = [], [], []
        gaps = defaultdict(list)
        at = defaultdict(list)  # by position in the request
        for req in chosen:
            spans.append((max(r[1] for r in req) - req[0][0]) / 1e6)
            busy.append(sum(r[1] - r[0] for r in req) / 1e6)
            end = req[0][1]
            total = 0
            for i, r in enumerate(req[1:], 1):
                g = max(0, r[0] - end)
                total += g
                gaps[r[2][:60]].append(g / 1e3)
                at[i].append(g / 1e3)
                end = max(end, r[1])
            idle.append(total / 1e6)
        print(f"{kind}: {len(chosen)} requests of {common} kernels (of {len(items)} runs)")
        print(f"  span median {statistics.median(spans):.3f} ms, busy {statistics.median(busy):.3f}"
              f" ms, idle between activities {statistics.median(idle):.3f} ms")
        if idle_before:
            print(f"  device idle before a request (from the previous one's end): median"
                  f" {statistics.median(idle_before):.3f} ms")
        if args.positions:
            sample = chosen[len(chosen) // 2]
            for i, g in sorted(at.items(), key=lambda kv: -statistics.median(kv[1]))[
                    :args.positions]:
                print(f"    at position {i} (before {sample[i][2][:50]}): median"
                      f" {statistics.median(g):.1f} us")
        top = sorted(gaps.items(), key=lambda kv: -sum(kv[1]) / len(chosen))[:8]
        for name, g in top:
            print(f"    before {name}: {sum(g) / len(chosen):.1f} us per request"
                  f" ({len(g) / len(chosen):.0f} per request)")


if __name__ == "__main__":
    main()
