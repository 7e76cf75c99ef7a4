#!/usr/bin/python3
"""PyTorch twin of bench/bench_optim.cpp: torch.optim.Adam, AdamW and SGD(momentum=0.9) steps
over 10M float32 parameters in 10 tensors of 1M, timed the same way (best of several
repetitions of a timed loop) and written as Google Benchmark JSON for bench/compare.py.
torch.optim's defaults are used (PyTorch 1.13 picks the single-tensor path on CPU). Run with
Debian's python3-torch at one thread count per process (bench/run.sh optim does):

    OMP_NUM_THREADS=2 /usr/bin/python3 bench/optim_torch.py --threads 2 --out t2.json
"""
import argparse

import torch

from torch_timing import benchmark_entry, best_time, write_results

TENSORS, PER_TENSOR = 10, 1_000_000
ELEMS = TENSORS * PER_TENSOR


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
        entry = benchmark_entry(f"optim/{name}", args.threads, seconds, iterations, "ms")
        entry["GB/s"] = bytes_per_param * ELEMS / 1e9 / seconds
        results.append(entry)
        del optimizer, params
    write_results(args.out, results)


if __name__ == "__main__":
    main()
