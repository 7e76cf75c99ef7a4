"""Timing shared by the PyTorch twins of descent's benchmarks (bench/*_torch.py): the best of
several repetitions of a timed loop, and the Google Benchmark JSON that bench/compare.py reads.
"""
import json
import time

import torch


def best_time(fn, min_time, repetitions):
    """Seconds per call: the best of `repetitions` loops of at least `min_time` seconds."""
    fn()  # warm up: first-call allocations and dispatch

    def loop(iterations):
        start = time.perf_counter()
        for _ in range(iterations):
            fn()
        return time.perf_counter() - start

    iterations = 1
    elapsed = loop(iterations)
    while elapsed < min_time:  # grow the loop until it fills min_time
        iterations = max(2 * iterations, int(iterations * 1.2 * min_time / max(elapsed, 1e-9)))
        elapsed = loop(iterations)
    best = elapsed / iterations
    for _ in range(repetitions - 1):
        best = min(best, loop(iterations) / iterations)
    return best, iterations


def best_time_cold(fn, evict, min_time, repetitions):
    """As best_time, for the ops over 10M floats: each call timed alone, after a copy pass over
    two other 40 MB arrays (untimed) has pushed the operands out of the 32 MB L3, as
    bench_core.cpp's paired stream copy does for descent's calls. Back to back, a read-only
    sum would find much of its input still in L3 and report more than memory delivers."""
    fn()
    best, iterations, spent = float("inf"), 0, 0.0
    for _ in range(repetitions):
        total, calls = 0.0, 0
        while total < min_time or calls == 0:
            evict()
            start = time.perf_counter()
            fn()
            total += time.perf_counter() - start
            calls += 1
        best = min(best, total / calls)
        iterations = calls
    return best, iterations


def benchmark_entry(name, threads, seconds, iterations, time_unit):
    """One benchmark's result as Google Benchmark writes it; `seconds` per call, shown in `time_unit`."""
    scale = {"s": 1.0, "ms": 1e3, "us": 1e6}[time_unit]
    return {
        "name": f"{name}/threads:{threads}/real_time",
        "run_name": f"{name}/threads:{threads}/real_time",
        "run_type": "iteration",
        "iterations": iterations,
        "real_time": seconds * scale,
        "time_unit": time_unit,
    }


def write_results(path, results):
    """The results as a Google Benchmark JSON file, with torch's version and thread count."""
    context = {"library": f"torch {torch.__version__}", "threads": torch.get_num_threads()}
    with open(path, "w") as f:
        json.dump({"context": context, "benchmarks": results}, f, indent=1)
