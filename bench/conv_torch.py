#!/usr/bin/python3
"""PyTorch twin of bench/bench_conv.cpp: one training epoch of three conv nets, 2c2d's second
convolution forward and backward, and the peak memory of a few training steps, timed the same way.

The models are scripts/to_pytorch.py's torch.nn modules for descent's specs (the ones it loads
descent's weights into), with `descent train`'s default dropout (0.2 after every hidden fully
connected layer); the same training images (the first 55,000 of the 60,000; bytes / 255) are
held in memory as float32 tensors; train_torch.py's epoch loop goes through them (randperm,
index, forward, cross-entropy, backward, step, accuracy). Written as Google Benchmark JSON
(--out) with the names bench_conv.cpp uses, for bench/conv_epoch.sh and bench/compare.py.
Run with Debian's python3-torch at one thread count per process:

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/conv_torch.py --threads 1 --seed 1 --out t1.json
    /usr/bin/python3 bench/conv_torch.py --memory 2c2d_momentum --out m.json   # in a fresh process

BENCH_CONV_EXAMPLES=N (or --examples N) cuts the epoch to the first N training images.
"""
import argparse
import os
import sys
import time

import torch
from torch import nn

from torch_timing import benchmark_entry, write_results
from train_torch import TRAIN, epoch, load_mnist

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from to_pytorch import IDX_FOLDERS, build_model  # noqa: E402  (scripts/ is not a package)

DROPOUT = 0.2  # descent train's --dropout default (TrainConfig::dropout)
IMAGE = (1, 28, 28)
MEMORY_STEPS = 5  # as bench_conv.cpp's kMemorySteps
LAYER_CALLS = 16  # calls of the layer timed

# name: (descent model spec, data set, optimizer factory, batch size), as bench/bench_conv.cpp
CONFIGS = {
    "lenet5_adam": ("lenet5", "mnist", lambda ps: torch.optim.Adam(ps, lr=1e-3), 64),
    "2c2d_momentum": ("2c2d", "fashion-mnist", lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.9), 128),
    "resnet20_momentum": ("resnet20", "fashion-mnist",
                          lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=5e-4), 128),
}


def data_folder(name):
    """Where `descent train --data NAME` finds the IDX files: $DESCENT_DATA_DIR/NAME, then
    data/NAME (the repository's), then the packaged folder (to_pytorch.IDX_FOLDERS)."""
    candidates = [os.path.join(os.environ["DESCENT_DATA_DIR"], name)] if os.environ.get("DESCENT_DATA_DIR") else []
    candidates += [os.path.join(ROOT, "data", name), IDX_FOLDERS[name]]
    for folder in candidates:
        if any(os.path.exists(os.path.join(folder, f)) for f in ("train-images-idx3-ubyte", "train-images-idx3-ubyte.gz")):
            return folder
    sys.exit(f"conv_torch.py: {name} not found in {', '.join(candidates)}")


def training_data(name, examples):
    x, y = load_mnist(data_folder(name))  # any IDX folder: the first 55,000 images, / 255
    return (x[:examples], y[:examples]) if 0 < examples < TRAIN else (x, y)


def make_model(spec):
    return build_model({"model": spec, "dropout": DROPOUT}, IMAGE, 10)


def multiply_adds(model):
    """Multiply-adds per example of the convolutions and fully connected layers, as descent's
    summarize() counts them (no biases), from one example's forward pass."""
    total = 0

    def count(module, inputs, output):
        nonlocal total
        if isinstance(module, nn.Conv2d):
            total += output[0].numel() * module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
        elif isinstance(module, nn.Linear):
            total += module.in_features * module.out_features

    hooks = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, IMAGE[0] * IMAGE[1] * IMAGE[2]))
    model.train()
    for h in hooks:
        h.remove()
    return total


def entry(name, threads, seconds, time_unit, **counters):
    """One result as Google Benchmark writes it (torch_timing.benchmark_entry), with counters."""
    return dict(benchmark_entry(name, threads, seconds, 1, time_unit), **counters)


def time_epochs(name, threads, seed, examples, repetitions):
    """The best of `repetitions` epochs, each with a model built afresh from `seed`."""
    spec, data, make_optimizer, batch = CONFIGS[name]
    x, y = training_data(data, examples)
    best, best_cpu = float("inf"), float("inf")
    for _ in range(repetitions):
        torch.manual_seed(seed)  # initialization, shuffling and dropout
        model = make_model(spec)
        seconds, cpu, accuracy = epoch(model, make_optimizer(model.parameters()), x, y, batch)
        best, best_cpu = min(best, seconds), min(best_cpu, cpu)
    macs = multiply_adds(model)
    return entry(f"conv/{name}", threads, best, "s", cpu_time=best_cpu, steps=(len(x) + batch - 1) // batch,
                 examples=len(x), parameters=sum(p.numel() for p in model.parameters()), macs=macs, seed=seed,
                 train_acc=accuracy, **{"GFLOP/s": 6.0 * macs * len(x) / best / 1e9})


def time_layer(threads, seed):
    """2c2d's second convolution, Conv2d(32, 64, 5, padding='same') on 128 x 32 x 14 x 14:
    forward, then backward to the input, the weight and the bias, LAYER_CALLS times after one
    to warm up. As bench_conv.cpp: the time is the mean call, GFLOP/s the fastest call's."""
    torch.manual_seed(seed)
    conv = nn.Conv2d(32, 64, 5, padding="same")
    x = torch.randn(128, 32, 14, 14, requires_grad=True)
    grad_out = torch.randn(128, 64, 14, 14)

    def call():
        start = time.perf_counter()
        x.grad = None
        conv.zero_grad(set_to_none=True)
        conv(x).backward(grad_out)
        return time.perf_counter() - start

    call()
    seconds = [call() for _ in range(LAYER_CALLS)]
    flops = 3 * 2 * 128 * 64 * 14 * 14 * 32 * 5 * 5
    return dict(entry("layer/conv2_fwd_bwd", threads, sum(seconds) / LAYER_CALLS, "ms",
                      **{"GFLOP/s": flops / min(seconds) / 1e9}), iterations=LAYER_CALLS)


def status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def peak_memory(name, seed):
    """Peak RSS growth over building the model and optimizer and MEMORY_STEPS training steps at
    one thread, after the data is loaded: writing 5 to /proc/self/clear_refs resets the peak
    (VmHWM) to the current RSS, as bench_conv.cpp does."""
    spec, data, make_optimizer, batch = CONFIGS[name]
    torch.set_num_threads(1)
    x, y = training_data(data, MEMORY_STEPS * batch)
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    baseline = status_kib("VmRSS")
    start = time.perf_counter()
    torch.manual_seed(seed)
    model = make_model(spec)
    epoch(model, make_optimizer(model.parameters()), x, y, batch)
    peak = status_kib("VmHWM")
    return entry(f"memory/{name}", 1, time.perf_counter() - start, "s", baseline_MiB=baseline / 1024,
                 peak_growth_MiB=(peak - baseline) / 1024, steps=MEMORY_STEPS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", required=True, help="Google Benchmark style JSON file to write")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--examples", type=int, default=int(os.environ.get("BENCH_CONV_EXAMPLES") or 0),
                        help="the first N training images only (default $BENCH_CONV_EXAMPLES, 0: all 55,000)")
    parser.add_argument("--repetitions", type=int, default=1, help="epochs per model; the best is kept")
    parser.add_argument("--min-time", type=float, default=0, help="ignored (bench/run.sh passes it)")
    parser.add_argument("--only", nargs="*", default=[*CONFIGS, "layer"], choices=[*CONFIGS, "layer"],
                        help="what to time (default: every model and the layer)")
    parser.add_argument("--memory", choices=list(CONFIGS), help="measure this model's peak memory instead (alone)")
    args = parser.parse_args()
    if args.examples < 0:
        sys.exit(f"conv_torch.py: --examples must be >= 0, got {args.examples}")
    if args.memory:
        write_results(args.out, [peak_memory(args.memory, args.seed)])
        return
    torch.set_num_threads(args.threads)
    results = [time_layer(args.threads, args.seed) if name == "layer" else
               time_epochs(name, args.threads, args.seed, args.examples, args.repetitions) for name in args.only]
    write_results(args.out, results)


if __name__ == "__main__":
    main()
