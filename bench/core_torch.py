#!/usr/bin/python3
"""PyTorch twin of bench/bench_core.cpp: the same core ops on the same shapes, timed the same
way (best of several repetitions of a timed loop; ops over 10M floats start from memory, not
cache, as descent's do), written as Google Benchmark JSON so that
bench/compare.py reads both alike. Run with Debian's python3-torch (/usr/bin/python3) at one
thread count per process; bench/run.sh sets OMP_NUM_THREADS and OPENBLAS_NUM_THREADS to the
same count, so torch's BLAS does not run more threads than asked.

    OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/core_torch.py --threads 2 --out t2.json
"""
import argparse

import torch

from torch_timing import benchmark_entry, best_time, best_time_cold, write_results

ROWS, COLS = 10_000, 1_000  # 10M floats, 40 MB per array, as bench_core.cpp
ELEMS = ROWS * COLS
GEMM_N = 1024
SMALL = 1 << 15  # descent's kParallelThreshold: the smallest loop that forks


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--out", required=True, help="Google Benchmark style JSON file to write")
    parser.add_argument("--min-time", type=float, default=0.1)
    parser.add_argument("--repetitions", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    a = torch.randn(ROWS, COLS)
    b = torch.randn(ROWS, COLS)
    ma = torch.randn(GEMM_N, GEMM_N)
    mb = torch.randn(GEMM_N, GEMM_N)
    sa = torch.randn(SMALL)
    sb = torch.randn(SMALL)
    evict_from, evict_to = torch.ones(ELEMS), torch.zeros(ELEMS)
    x = torch.randn(4, 4, requires_grad=True)
    y = torch.randn(4, 4, requires_grad=True)
    z = torch.randn(4, 4, requires_grad=True)

    def autograd_4op():
        (x * y + z).sum().backward()

    gflop = 2.0 * GEMM_N**3 / 1e9
    # name: (function, counter, amount per call), bytes counted as bench_core.cpp counts them
    benches = {
        "matmul": (lambda: torch.mm(ma, mb), "GFLOP/s", gflop),
        "add": (lambda: torch.add(a, b), "GB/s", 12 * ELEMS / 1e9),
        "add_32k": (lambda: torch.add(sa, sb), None, 0.0),
        "mul": (lambda: torch.mul(a, b), "GB/s", 12 * ELEMS / 1e9),
        "mul_scalar": (lambda: torch.mul(a, 0.5), "GB/s", 8 * ELEMS / 1e9),
        "relu": (lambda: torch.relu(a), "GB/s", 8 * ELEMS / 1e9),
        "exp": (lambda: torch.exp(a), "GB/s", 8 * ELEMS / 1e9),
        "sum_all": (lambda: a.sum(), "GB/s", 4 * ELEMS / 1e9),
        "sum_dim0": (lambda: a.sum(0), "GB/s", 4 * ELEMS / 1e9),
        "sum_dim1": (lambda: a.sum(1), "GB/s", 4 * ELEMS / 1e9),
        "autograd_4op": (autograd_4op, None, 0.0),
    }
    results = []
    for name, (fn, counter, amount) in benches.items():
        if counter == "GB/s":
            seconds, iterations = best_time_cold(fn, lambda: evict_to.copy_(evict_from), args.min_time,
                                                 args.repetitions)
        else:
            seconds, iterations = best_time(fn, args.min_time, args.repetitions)
        entry = benchmark_entry(f"core/{name}", args.threads, seconds, iterations, "us")
        if counter:
            entry[counter] = amount / seconds
        results.append(entry)
    write_results(args.out, results)


if __name__ == "__main__":
    main()
