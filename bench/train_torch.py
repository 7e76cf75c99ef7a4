#!/usr/bin/python3
"""PyTorch twin of bench/bench_train.cpp: one MNIST training epoch of three MLPs, timed the same way.

The same 55,000 training images (the first 55,000 of MNIST's 60,000; bytes / 255) are held in
memory as float32 tensors; each epoch shuffles them with torch.randperm and goes through the
minibatches (index, forward, cross-entropy, backward, step), counting correct predictions as
descent's fit() does. Only the epoch loop is timed (wall and process CPU time); the best of
--repetitions epochs is kept,
each with a freshly built model. Written as Google Benchmark JSON (--out) for bench/compare.py
and bench/train_epoch.sh. Run with Debian's python3-torch at one thread count per process:

    OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/train_torch.py --threads 2 --out t2.json
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch
from torch import nn

from torch_timing import write_results

TRAIN = 55_000  # MNIST's training images less the last 5,000 (descent's dev set)

# name: (hidden sizes, activation, optimizer factory, batch size), as bench/bench_train.cpp
CONFIGS = {
    "mlp_256_128_adam": ([256, 128], nn.ReLU, lambda ps: torch.optim.Adam(ps, lr=1e-3), 64),
    "mlp_30_sgd": ([30], nn.Sigmoid, lambda ps: torch.optim.SGD(ps, lr=0.1), 10),
    "mlp_1024_momentum": ([1024, 1024], nn.ReLU, lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.9), 128),
}


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_mnist(folder):
    def find(stem):
        for name in (stem, stem + ".gz"):
            if os.path.exists(os.path.join(folder, name)):
                return os.path.join(folder, name)
        raise SystemExit(f"train_torch.py: {stem} not found in {folder} (run scripts/fetch_mnist.sh)")

    images = read_idx(find("train-images-idx3-ubyte"))[:TRAIN].reshape(TRAIN, -1)
    labels = read_idx(find("train-labels-idx1-ubyte"))[:TRAIN]
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    y = torch.from_numpy(labels.astype(np.int64))
    return x, y


def make_model(hidden, activation):
    layers, width = [], 784
    for h in hidden:
        layers += [nn.Linear(width, h), activation()]
        width = h
    layers.append(nn.Linear(width, 10))
    return nn.Sequential(*layers)


def epoch(model, optimizer, x, y, batch):
    """Wall and process CPU seconds for one epoch, and the training accuracy."""
    loss_fn = nn.CrossEntropyLoss()
    correct = 0
    start, cpu_start = time.perf_counter(), time.process_time()
    order = torch.randperm(x.shape[0])
    for begin in range(0, x.shape[0], batch):
        idx = order[begin:begin + batch]
        xb, yb = x[idx], y[idx]
        optimizer.zero_grad()
        out = model(xb)
        loss = loss_fn(out, yb)
        loss.item()  # as descent's loop, which reads every step's loss
        loss.backward()
        optimizer.step()
        correct += int((out.argmax(1) == yb).sum())
    return time.perf_counter() - start, time.process_time() - cpu_start, correct / x.shape[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--out", required=True, help="Google Benchmark style JSON file to write")
    parser.add_argument("--repetitions", type=int, default=1)
    parser.add_argument("--min-time", type=float, default=0, help="ignored (bench/run.sh passes it)")
    parser.add_argument("--mnist", default=os.path.join(os.path.dirname(__file__), "..", "data", "mnist"))
    parser.add_argument("--only", nargs="*", default=list(CONFIGS), help="configurations to run")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    x, y = load_mnist(args.mnist)
    results = []
    for name in args.only:
        hidden, activation, make_optimizer, batch = CONFIGS[name]
        best, best_cpu, accuracy = float("inf"), float("inf"), 0.0
        for _ in range(args.repetitions):
            model = make_model(hidden, activation)
            seconds, cpu, accuracy = epoch(model, make_optimizer(model.parameters()), x, y, batch)
            best, best_cpu = min(best, seconds), min(best_cpu, cpu)
        results.append({
            "name": f"train/{name}/threads:{args.threads}/real_time",
            "run_name": f"train/{name}/threads:{args.threads}/real_time",
            "run_type": "iteration",
            "iterations": 1,
            "real_time": best,
            "cpu_time": best_cpu,
            "time_unit": "s",
            "steps": (TRAIN + batch - 1) // batch,
            "train_acc": accuracy,
        })
    write_results(args.out, results)


if __name__ == "__main__":
    main()
