#!/usr/bin/env python3
"""Summarises a Java Flight Recording's method samples (the text of `jfr print --events
jdk.ExecutionSample,jdk.NativeMethodSample --stack-depth N FILE`): per thread, how many samples
and the most frequent top frames (self time) and frames anywhere in the stack (inclusive).

    jfr print --events jdk.ExecutionSample,jdk.NativeMethodSample --stack-depth 12 rec.jfr \\
        | python3 tools/gpu/jfr_top.py [--top 25] [--thread SUBSTRING]
"""
import argparse
import re
import sys
from collections import Counter, defaultdict


def events(lines):
    event, thread, frames = None, None, []
    for line in lines:
        line = line.rstrip("\n")
        m = re.match(r"^(jdk\.\w+) \{", line)
        if m:
            event, thread, frames = m.group(1), None, []
            continue
        if event is None:
            continue
        m = re.match(r'^\s+sampledThread = "(.*?)"', line)
        if m:
            thread = m.group(1)
            continue
        m = re.match(r"^\s+([\w$.<>]+\(.*?\))\s+line:", line)
        if m:
            frames.append(m.group(1))
            continue
        if line.strip() == "}" and not line.startswith("  " * 2):
            if thread is not None:
                yield event, thread, frames
            event = None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--thread", default="")
    args = ap.parse_args()
    per_thread = Counter()
    self_time = defaultdict(Counter)
    inclusive = defaultdict(Counter)
    for event, thread, frames in events(sys.stdin):
        if args.thread not in thread or not frames:
            continue
        key = f"{thread} [{'native' if event == 'jdk.NativeMethodSample' else 'java'}]"
        per_thread[key] += 1
        self_time[key][frames[0]] += 1
        for f in set(frames):
            inclusive[key][f] += 1
    for key, n in per_thread.most_common(6):
        print(f"== {key}: {n} samples")
        print("  self:")
        for f, c in self_time[key].most_common(args.top):
            print(f"    {100 * c / n:5.1f}%  {f}")
        print("  inclusive:")
        for f, c in inclusive[key].most_common(args.top):
            print(f"    {100 * c / n:5.1f}%  {f}")


if __name__ == "__main__":
    main()
