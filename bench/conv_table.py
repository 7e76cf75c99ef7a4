#!/usr/bin/env python3
"""The Markdown table of bench/conv_epoch.sh, from the Google Benchmark JSON files in a folder
(bench_conv's descent_*.json, conv_torch.py's torch_*.json):

    python3 bench/conv_table.py build/bench/results/conv

Per model: the median over seeds of each side's best-of-threads epoch, the speed-up, the GFLOP/s
each reaches (3 x 2 x multiply-adds x examples / seconds) as a share of cblas_sgemm's 1024^3
rate measured in the same run at that thread count, and the target; then 2c2d's second
convolution forward and backward at each thread count, each model's peak memory over a few
training steps, and the epochs in process CPU seconds. Exits non-zero when the two sides'
models differ in parameters or multiply-adds.
"""
import glob
import json
import os
import re
import sys
from collections import defaultdict

# name: (what it is, least speed-up over PyTorch), as the issue sets them
MODELS = {
    "lenet5_adam": ("LeNet-5, MNIST, Adam, batch 64", 2.0),
    "2c2d_momentum": ("2c2d, Fashion-MNIST, SGD momentum, batch 128", 1.5),
    "resnet20_momentum": ("ResNet-20, Fashion-MNIST, SGD momentum, batch 128", 1.3),
}
LAYER_TARGET = 0.70  # least share of the sgemm rate for 2c2d's second convolution, forward + backward
LAYER_GFLOP = 3 * 2 * 128 * 64 * 14 * 14 * 32 * 5 * 5 / 1e9  # its forward and two backward products
MEMORY_TARGET = 1.5  # most ratio of descent's peak memory of a step to PyTorch's
UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
NAME = re.compile(r"^(?P<kind>conv|layer|memory)/(?P<what>\w+)(?:/threads:(?P<threads>\d+))?/")


def load(folder):
    """{(side, kind, what): [entries]}, each entry with its seconds, threads and seed added."""
    results = defaultdict(list)
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        file = os.path.basename(path)
        side = "torch" if file.startswith("torch") else "descent"
        seed = re.search(r"_(\d+)\.json$", file)
        for b in json.load(open(path))["benchmarks"]:
            m = NAME.match(b["name"])
            if not m or b.get("run_type", "iteration") != "iteration" or b.get("error_occurred"):
                continue
            b = dict(b, seconds=b["real_time"] * UNIT[b["time_unit"]], threads=int(m["threads"] or 1),
                     seed=int(seed[1]) if seed else 0)
            if "cpu_time" in b:
                b["cpu_seconds"] = b["cpu_time"] * UNIT[b["time_unit"]]
            results[(side, m["kind"], m["what"])].append(b)
    return results


def sgemm_rates(results):
    """{threads: best cblas_sgemm GFLOP/s}, as bench_conv measured it beside the layer."""
    rates = {}
    for b in results.get(("descent", "layer", "conv2_fwd_bwd"), []):
        rates[b["threads"]] = max(rates.get(b["threads"], 0), b["sgemm_GFLOP/s"])
    return rates


def median_epoch(entries, key="seconds"):
    """The entry of the median over seeds of the best-of-threads epochs."""
    by_seed = defaultdict(list)
    for b in entries:
        by_seed[b["seed"]].append(b)
    best = sorted((min(bs, key=lambda b: b[key]) for bs in by_seed.values()), key=lambda b: b[key])
    return best[(len(best) - 1) // 2]  # the lower middle when the count is even


def check_same_model(name, descent, torch):
    for counter in ("parameters", "macs"):
        if int(descent[counter]) != int(torch[counter]):
            sys.exit(f"conv_table.py: {name}'s {counter} differ: descent {int(descent[counter]):,}, "
                     f"PyTorch {int(torch[counter]):,}; the two sides do not train the same model")


def share(gflops, rates, threads):
    return f"{gflops:.1f} ({100 * gflops / rates[threads]:.0f} %)" if threads in rates else f"{gflops:.1f}"


def epoch_table(results, rates):
    print("| epoch | examples | descent | PyTorch | speed-up | descent GFLOP/s (of sgemm) | "
          "PyTorch GFLOP/s (of sgemm) | target | met |")
    print("|---|---:|---:|---:|---:|---:|---:|---|---|")
    for name, (label, target) in MODELS.items():
        d_entries, t_entries = results.get(("descent", "conv", name)), results.get(("torch", "conv", name))
        if not d_entries or not t_entries:
            continue
        d, t = median_epoch(d_entries), median_epoch(t_entries)
        check_same_model(name, d, t)
        speedup = t["seconds"] / d["seconds"]
        flops = 6.0 * d["macs"] * d["examples"] / 1e9
        print(f"| {label} | {int(d['examples']):,} | {d['seconds']:.2f} s ({d['threads']}T) | "
              f"{t['seconds']:.2f} s ({t['threads']}T) | {speedup:.2f}× | "
              f"{share(flops / d['seconds'], rates, d['threads'])} | {share(flops / t['seconds'], rates, t['threads'])} | "
              f"≥ {target}× | {'yes' if speedup >= target else 'no'} |")


def layer_table(results, rates):
    """Each side's fastest call at each thread count (both programs keep their fastest)."""
    fastest = {}  # (side, threads) -> GFLOP/s
    for side in ("descent", "torch"):
        for b in results.get((side, "layer", "conv2_fwd_bwd"), []):
            fastest[(side, b["threads"])] = max(fastest.get((side, b["threads"]), 0), b["GFLOP/s"])
    if not any(side == "descent" for side, _ in fastest):
        return

    def cells(side, threads):
        if (side, threads) not in fastest:
            return "– | –"
        gflops = fastest[(side, threads)]
        return f"{1e3 * LAYER_GFLOP / gflops:.1f} ms, {gflops:.1f} GFLOP/s | {100 * gflops / rates[threads]:.0f} %"

    print("| 2c2d's conv2 (32 → 64, 5 × 5, same) on 128 × 32 × 14 × 14, forward + backward | sgemm 1024³ | "
          "descent | of sgemm | PyTorch | of sgemm | target | met |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    for threads in sorted(t for side, t in fastest if side == "descent"):
        fraction = fastest[("descent", threads)] / rates[threads]
        print(f"| {threads} thread(s) | {rates[threads]:.1f} GFLOP/s | {cells('descent', threads)} | "
              f"{cells('torch', threads)} | ≥ {100 * LAYER_TARGET:.0f} % | {'yes' if fraction >= LAYER_TARGET else 'no'} |")


def memory_table(results):
    rows = [(name, results.get(("descent", "memory", name)), results.get(("torch", "memory", name))) for name in MODELS]
    rows = [(name, d[0], t[0]) for name, d, t in rows if d and t]
    if not rows:
        return
    print("| peak RSS growth over 5 training steps (1 thread) | descent | PyTorch | ratio | target | met |")
    print("|---|---:|---:|---:|---|---|")
    for name, d, t in rows:
        ratio = d["peak_growth_MiB"] / t["peak_growth_MiB"]
        print(f"| {MODELS[name][0]} | {d['peak_growth_MiB']:.1f} MiB | {t['peak_growth_MiB']:.1f} MiB | {ratio:.2f}× | "
              f"≤ {MEMORY_TARGET}× | {'yes' if ratio <= MEMORY_TARGET else 'no'} |")


def cpu_table(results):
    print("| epoch, process CPU seconds (all threads) | descent | PyTorch | ratio |")
    print("|---|---:|---:|---:|")
    for name, (label, _) in MODELS.items():
        d_entries, t_entries = results.get(("descent", "conv", name)), results.get(("torch", "conv", name))
        if not d_entries or not t_entries:
            continue
        d, t = median_epoch(d_entries, "cpu_seconds"), median_epoch(t_entries, "cpu_seconds")
        print(f"| {label} | {d['cpu_seconds']:.2f} s ({d['threads']}T) | {t['cpu_seconds']:.2f} s ({t['threads']}T) | "
              f"{t['cpu_seconds'] / d['cpu_seconds']:.2f}× |")


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        sys.exit("usage: conv_table.py FOLDER (the JSON files bench/conv_epoch.sh wrote)")
    results = load(sys.argv[1])
    if not results:
        sys.exit(f"conv_table.py: no benchmark results in {sys.argv[1]}")
    rates = sgemm_rates(results)
    seeds = sorted({b["seed"] for (side, kind, _), bs in results.items() if kind == "conv" for b in bs})
    threads = sorted({b["threads"] for (side, kind, _), bs in results.items() if kind == "conv" for b in bs})
    print(f"Median over seeds {', '.join(map(str, seeds))} of the best epoch over {' and '.join(map(str, threads))} "
          f"thread(s); cblas_sgemm 1024³ in this run: "
          + ", ".join(f"{rates[t]:.1f} GFLOP/s at {t} thread(s)" for t in sorted(rates)) + ".")
    print()
    epoch_table(results, rates)
    print()
    layer_table(results, rates)
    print()
    memory_table(results)
    print()
    cpu_table(results)


if __name__ == "__main__":
    main()
