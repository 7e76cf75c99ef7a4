#!/usr/bin/python3
"""PyTorch twin of bench/bench_optim.cpp: torch.optim.Adam, AdamW and SGD(momentum=0.9) steps
over 10M float32 parameters in 10 tensors of 1M, timed the same way (best of several
repetitions of a timed loop) and written as Google Benchmark JSON for bench/compare.py.
torch.optim's defaults are used (PyTorch 1.13 picks the single-tensor path on CPU). Run with
Debian's python3-torch at one thread count per process (bench/run.sh optim does):

    OMP_NUM_THREADS=2 /usr/bin/python3 bench/optim_torch.py --threads 2 --out t2.json
"""
import argparse
import json
import time

import torch

TENSORS, PER_TENSOR = 10, 1_000_000
ELEMS = TENSORS * PER_TENSOR


def best_time(fn, min_time, repetitions):
    """Seconds per call: the best of `repetitions` loops of at least `min_time` seconds."""
    fn()

    def loop(iterations):
        start = time.perf_counter()
        for _ in range(iterations):
            fn()
        return time.perf_counter() - start

    iterations = 1
    elapsed = loop(iterations)
    while elapsed < min_time:
        iterations = max(2 * iterations, int(iterations * 1.2 * min_time / max(elapsed, 1e-9)))
        elapsed = loop(iterations)
    best = elapsed / iterations
    for _ in range(repetitions - 1):
        best = min(best, loop(iterations) / iterations)
    return best, iterations


def make_params():
    params = []
    for _ in range(TENSORS):
        p = torch.randn(PER_TENSOR, requires_grad=True)
        p.grad = torch.randn(PER_TENSOR) * 1e-3
        params.append(p)
    return params


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--out", required=True, help="Google Benchmark style JSON file to write")
    parser.add_argument("--min-time", type=float, default=0.1)
    parser.add_argument("--repetitions", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    # name: (optimizer factory, bytes per parameter as bench_optim.cpp counts them)
    benches = {
        "adam": (lambda ps: torch.optim.Adam(ps, lr=1e-3), 28),
        "adamw": (lambda ps: torch.optim.AdamW(ps, lr=1e-3), 28),
        "sgd_momentum": (lambda ps: torch.optim.SGD(ps, lr=1e-3, momentum=0.9), 20),
    }
    results = []
    for name, (make, bytes_per_param) in benches.items():
        params = make_params()
        optimizer = make(params)
        optimizer.step()  # creates the state
        seconds, iterations = best_time(optimizer.step, args.min_time, args.repetitions)
        results.append({
            "name": f"optim/{name}/threads:{args.threads}/real_time",
            "run_name": f"optim/{name}/threads:{args.threads}/real_time",
            "run_type": "iteration",
            "iterations": iterations,
            "real_time": seconds * 1e3,
            "time_unit": "ms",
            "GB/s": bytes_per_param * ELEMS / 1e9 / seconds,
        })
        del optimizer, params
    context = {"library": f"torch {torch.__version__}", "threads": torch.get_num_threads()}
    with open(args.out, "w") as f:
        json.dump({"context": context, "benchmarks": results}, f, indent=1)


if __name__ == "__main__":
    main()
