"""Loads descent's weights into the equivalent PyTorch model and evaluates it on MNIST's test set.

    /usr/bin/python3 scripts/to_pytorch.py runs/main-default/best.safetensors [--data data/mnist]

The weights file is safetensors; its metadata "descent_config" holds the run's configuration
(model spec, activation, dropout, batch norm), from which the same torch.nn.Sequential is built:
descent's parameter names ("0.weight", "3.bias", ...) are torch.nn.Sequential's. Needs Debian's
python3-torch (run with /usr/bin/python3). Prints the test loss and accuracy, which match
`descent eval --weights FILE` (to float32 rounding).
"""
import argparse
import gzip
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    body = data[8 + n:]
    meta = header.pop("__metadata__", {})
    dtypes = {"F32": np.float32, "F64": np.float64}
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(body[begin:end], dtype=dtypes[info["dtype"]]).reshape(info["shape"])
    return tensors, meta


def build_model(config, in_features, num_classes):
    activations = {"relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "gelu": nn.GELU}
    spec = config["model"]
    hidden = [] if spec == "linear" else [int(h) for h in spec.split(":", 1)[1].split("-")]
    layers, width = [], in_features
    for h in hidden:
        layers.append(nn.Linear(width, h))
        if config.get("batch_norm"):
            layers.append(nn.BatchNorm1d(h))
        layers.append(activations[config["activation"]]())
        if config.get("dropout", 0) > 0:
            layers.append(nn.Dropout(config["dropout"]))
        width = h
    layers.append(nn.Linear(width, num_classes))
    return nn.Sequential(*layers)


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return np.frombuffer(data[4 + 4 * ndim:], dtype=np.uint8).reshape(dims)


def find(folder, name):
    for candidate in (name, name + ".gz"):
        if os.path.exists(os.path.join(folder, candidate)):
            return os.path.join(folder, candidate)
    sys.exit(f"to_pytorch.py: {name} not found in {folder} (bash scripts/fetch_mnist.sh fetches MNIST)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights")
    parser.add_argument("--data", default="data/mnist", help="folder with MNIST's t10k IDX files")
    args = parser.parse_args()
    tensors, meta = read_safetensors(args.weights)
    if "descent_config" not in meta:
        sys.exit(f"to_pytorch.py: {args.weights} has no descent_config metadata (not written by descent train?)")
    config = json.loads(meta["descent_config"])
    images = read_idx(find(args.data, "t10k-images-idx3-ubyte")).reshape(-1, 784).astype(np.float32) / 255.0
    labels = read_idx(find(args.data, "t10k-labels-idx1-ubyte")).astype(np.int64)
    model = build_model(config, 784, 10)
    state = {}
    for name, value in tensors.items():
        t = torch.from_numpy(value.copy())
        state[name] = t.long() if name.endswith("num_batches_tracked") else t
    model.load_state_dict(state)
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(images))
        loss = nn.functional.cross_entropy(logits, torch.from_numpy(labels)).item()
        accuracy = (logits.argmax(1).numpy() == labels).mean()
    print(f"test_loss {loss:.6f}  test_acc {100 * accuracy:.2f}%  (PyTorch {torch.__version__}, {len(labels)} examples)")


if __name__ == "__main__":
    main()
