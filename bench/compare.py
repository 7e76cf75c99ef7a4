#!/usr/bin/env python3
"""Side-by-side table of descent's benchmarks and their PyTorch twins (bench/run.sh).

Reads Google Benchmark JSON files (descent's bench_* programs, and the *_torch.py scripts,
which write the same format with context.library = "torch ..."), keeps the best repetition
of each benchmark, and prints a Markdown table: time per call for both, descent's speed
relative to PyTorch, and descent's rate relative to the ceiling measured in the same run:
  GFLOP/s against the raw cblas_sgemm benchmark (*/sgemm) at the same thread count;
  GB/s against memory bandwidth: the STREAM copy pass timed beside the op in the same
  repetition ("paired GB/s", see elementwise() in bench_core.cpp) where the benchmark
  reports one, else the best STREAM-like loop (*/stream_*) at that thread count.
Targets (issue 2, "Speed") are checked per row; the last column says whether it is met.
"""
import json
import re
import sys
from collections import defaultdict

CEILING_TARGETS = {"GFLOP/s": 0.85, "GB/s": 0.70}  # least fraction of the ceiling
TIME_LIMITS_US = {"core/autograd_4op": 3.0,  # most microseconds per call
                  "optim/adam": 10_000.0, "optim/sgd_momentum": 6_500.0}  # issue 4, 10M float32 params
NAME = re.compile(r"^(?P<op>.+)/threads:(?P<threads>\d+)(/.*)?$")


def load(paths):
    """{library: {(op, threads): best entry}} with library 'descent' or 'torch'."""
    best = defaultdict(dict)
    for path in paths:
        with open(path) as f:
            data = json.load(f)
        library = "torch" if data.get("context", {}).get("library", "").startswith("torch") else "descent"
        for entry in data["benchmarks"]:
            if entry.get("run_type", "iteration") != "iteration" or entry.get("error_occurred"):
                continue
            match = NAME.match(entry.get("run_name", entry["name"]))
            if not match:
                continue
            key = (match["op"], int(match["threads"]))
            seconds = entry["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[entry["time_unit"]]
            entry = dict(entry, seconds=seconds)
            if key not in best[library] or seconds < best[library][key]["seconds"]:
                best[library][key] = entry
    return best


def is_ceiling(op):
    leaf = op.rsplit("/", 1)[-1]
    return leaf == "sgemm" or leaf.startswith("stream_")


def ceilings(descent):
    """{(unit, threads): (rate, name)}: the best sgemm and STREAM-like rates per thread count."""
    out = {}
    for (op, threads), entry in descent.items():
        leaf = op.rsplit("/", 1)[-1]
        unit = "GFLOP/s" if leaf == "sgemm" else "GB/s" if leaf.startswith("stream_") else None
        if unit and entry.get(unit, 0) > out.get((unit, threads), (0, ""))[0]:
            out[(unit, threads)] = (entry[unit], leaf)
    return out


def fmt_time(seconds):
    if seconds is None:
        return "–"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} µs"
    return f"{seconds * 1e3:.2f} ms"


def table(best):
    descent, torch = best["descent"], best.get("torch", {})
    ceiling = ceilings(descent)
    lines = [
        "| benchmark | threads | descent | PyTorch 1.13 | descent speed / PyTorch | descent rate | "
        "ceiling (same run) | descent / ceiling | target | met |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    failures = []
    for (op, threads), entry in sorted(descent.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        ref = torch.get((op, threads))
        speed = f"{ref['seconds'] / entry['seconds']:.2f}×" if ref else "–"
        unit = next((u for u in CEILING_TARGETS if u in entry), None)
        rate = f"{entry[unit]:.1f} {unit}" if unit else "–"
        if is_ceiling(op):
            lines.append(f"| {op} | {threads} | {fmt_time(entry['seconds'])} | {fmt_time(ref and ref['seconds'])} | "
                         f"{speed} | {rate} | (is a ceiling) | | | |")
            continue
        cell_ceiling, cell_fraction, target, met = "–", "–", "–", ""
        paired = entry.get("paired " + unit) if unit else None
        if paired or (unit and (unit, threads) in ceiling):
            top, top_name = (paired, "paired stream copy") if paired else ceiling[(unit, threads)]
            fraction = entry[unit] / top
            cell_ceiling = f"{top:.1f} {unit} ({top_name})"
            cell_fraction = f"{fraction:.0%}"
            target = f"≥ {CEILING_TARGETS[unit]:.0%}"
            met = "yes" if fraction >= CEILING_TARGETS[unit] else "NO"
        if op in TIME_LIMITS_US:
            target = f"≤ {TIME_LIMITS_US[op]:g} µs"
            met = "yes" if entry["seconds"] * 1e6 <= TIME_LIMITS_US[op] else "NO"
        # No op may get slower with more threads.
        fewer = max((t for (o, t) in descent if o == op and t < threads), default=None)
        if fewer is not None and entry["seconds"] > descent[(op, fewer)]["seconds"] * 1.05:
            met = (met + ", " if met else "") + f"SLOWER than at {fewer} thread(s)"
        if "NO" in met or "SLOWER" in met:
            failures.append(f"{op} at {threads} threads")
        lines.append(f"| {op} | {threads} | {fmt_time(entry['seconds'])} | {fmt_time(ref and ref['seconds'])} | "
                     f"{speed} | {rate} | {cell_ceiling} | {cell_fraction} | {target} | {met} |")
    return "\n".join(lines), failures


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: compare.py RESULT.json...")
    text, failures = table(load(sys.argv[1:]))
    print(text)
    print()
    print("targets not met: " + ", ".join(failures) if failures else "all targets met")


if __name__ == "__main__":
    main()
