#!/usr/bin/env python3
"""The scaling model of docs/distributed.md: predicted step time and efficiency of data-parallel
training with N ranks, for weak scaling (64 examples per rank) and strong scaling (a global batch
of 4,096), on 10 Gb/s and 100 Gb/s networks, from a model's gradient bytes S and its compute C
per step of 64 examples on one thread (scripts/dist_speed.sh measures C).

    T(N) = C(B/N) + 2(N-1)/N * S/beta + 2(N-1) * alpha        (ring all-reduce)
    with overlap: T = C/3 + max(2C/3, communication)            (backward is about 2/3 of C)

C(b) is taken as linear in the examples b. Efficiency is the one-rank time per example over N
times the N-rank time per example: C(64)/T weak, C(4096)/N/T strong.

usage: scripts/scaling_model.py NAME=PARAMETERS:MS_PER_64 ...
   e.g. scripts/scaling_model.py mlp=235146:1.98 lenet5=61706:8.40 resnet20=269434:435.25
"""
import sys

NETWORKS = [("10 Gb/s", 1.25e9, 15e-6), ("100 Gb/s", 12.5e9, 2e-6)]  # (name, bytes/s, latency s)
RANKS = [2, 8, 64, 512]


def communication(n, size, bandwidth, latency):
    """Seconds of a ring all-reduce of `size` bytes over n ranks (Patarasuk and Yuan 2009)."""
    return 2 * (n - 1) / n * size / bandwidth + 2 * (n - 1) * latency


def step(compute, comm):
    """(without overlap, with overlap) seconds of a step."""
    return compute + comm, compute / 3 + max(2 * compute / 3, comm)


def ms(seconds):
    return f"{seconds * 1e3:.3g} ms" if seconds < 1 else f"{seconds:.3g} s"


def table(name, parameters, c64):
    size = 4 * parameters
    per_example = c64 / 64
    print(f"### {name}: S = {size:,} bytes, C = {ms(c64)} per step of 64 ({per_example * 1e6:.1f} µs per example)\n")
    for net, bandwidth, latency in NETWORKS:
        comms = ", ".join(ms(communication(n, size, bandwidth, latency)) for n in RANKS)
        print(f"- communication per step on {net} at N = {', '.join(map(str, RANKS))}: {comms}")
    print()
    print("| network | N | weak (64 per rank): step | efficiency | with overlap "
          "| strong (4,096 global): step | efficiency | with overlap |")
    print("|---|---|---|---|---|---|---|---|")
    for net, bandwidth, latency in NETWORKS:
        for n in RANKS:
            comm = communication(n, size, bandwidth, latency)
            weak, weak_overlap = step(c64, comm)
            strong, strong_overlap = step(per_example * 4096 / n, comm)
            ideal_strong = per_example * 4096 / n
            print(f"| {net} | {n} | {ms(weak)} | {c64 / weak:.0%} | {c64 / weak_overlap:.0%} "
                  f"| {ms(strong)} | {ideal_strong / strong:.0%} | {ideal_strong / strong_overlap:.0%} |")
    print()


def main(args):
    if not args:
        sys.exit(__doc__)
    for arg in args:
        try:
            name, numbers = arg.split("=", 1)
            parameters, c64 = numbers.split(":", 1)
            table(name, int(parameters), float(c64) / 1e3)
        except ValueError:
            sys.exit(f"scaling_model.py: {arg}: expected NAME=PARAMETERS:MS_PER_64, e.g. mlp=235146:1.98")


if __name__ == "__main__":
    main(sys.argv[1:])
