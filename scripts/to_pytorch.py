"""Loads descent's weights into the equivalent PyTorch model and evaluates it on a test set.

    /usr/bin/python3 scripts/to_pytorch.py runs/lenet5/best.safetensors [--data data/mnist]
        [--save-state-dict lenet5.pt]

The weights file is safetensors; its metadata "descent_config" holds the run's configuration
(model spec, activation, dropout, batch norm), from which the same torch.nn.Sequential is built:
descent's parameter names ("0.weight", "4.conv1.weight", ...) are torch.nn.Sequential's. Every
model `descent train --model` takes is built here: linear, mlp:..., cnn:..., lenet5, 2c2d, 3c3d,
resnetN and plainN (see docs/convolution.md). Needs Debian's python3-torch (run with
/usr/bin/python3). Prints the test loss and accuracy, which match `descent eval --weights FILE`
(to float32 rounding). Test sets: MNIST or Fashion-MNIST (IDX files), with the run's scaling.
"""
import argparse
import gzip
import json
import os
import re
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "gelu": nn.GELU}

# The named conv stacks in the cnn grammar, as src/descent/nn/models.cpp defines them.
NAMED_STACKS = {
    "lenet5": "c6k5p2-m2-c16k5-m2-f120-f84",
    "2c2d": "c32k5same-m2-c64k5same-m2-f1024",
    "3c3d": "c64k5-m3s2same-c96k3-m3s2same-c128k3same-m3s2same-f512-f256",
}

# Where `descent train --data NAME` finds its IDX files.
IDX_FOLDERS = {"mnist": "data/mnist", "fashion-mnist": "/usr/share/datasets/fashion-mnist"}


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


def parse_layer(token):
    """One cnn token, e.g. c32k5p2 or m3s2same -> (kind, size, {"k": 5, "p": 2, "s": 1, "same": bool})."""
    match = re.fullmatch(r"([cmaf])(\d+)((?:[kps]\d+|same)*)", token)
    if not match:
        sys.exit(f"to_pytorch.py: cnn layer '{token}' is not cOUTkK[pP][sS][same], mK..., aK... or fN")
    options = {key: int(value) for key, value in re.findall(r"([kps])(\d+)", match.group(3))}
    options["same"] = "same" in match.group(3)
    return match.group(1), int(match.group(2)), options


def tf_same_padding(size, kernel, stride):
    """TensorFlow's SAME padding (before, after): ceil(size / stride) outputs, the extra one after."""
    total = max((-(-size // stride) - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def build_cnn(stack, config, image, num_classes):
    channels, height, width = image
    activation = ACTIVATIONS[config.get("activation", "relu")]
    batch_norm, dropout = config.get("batch_norm", False), config.get("dropout", 0.0)
    layers, features = [nn.Unflatten(1, tuple(image))], 0
    for token in stack.split("-"):
        kind, size, o = parse_layer(token)
        if kind == "c":
            stride = o.get("s", 1)
            padding = "same" if o["same"] else o.get("p", 0)
            layers.append(nn.Conv2d(channels, size, o["k"], stride=stride, padding=padding))
            if batch_norm:
                layers.append(nn.BatchNorm2d(size))
            layers.append(activation())
            if not o["same"]:
                height = (height + 2 * o.get("p", 0) - o["k"]) // stride + 1
                width = (width + 2 * o.get("p", 0) - o["k"]) // stride + 1
            channels = size
        elif kind in "ma":
            stride, padding = o.get("s", size), o.get("p", 0)
            if o["same"]:
                top, bottom = tf_same_padding(height, size, stride)
                left, right = tf_same_padding(width, size, stride)
                if top + bottom + left + right > 0:
                    layers.append(nn.ConstantPad2d((left, right, top, bottom), float("-inf")))
                height, width = height + top + bottom, width + left + right
            pool = nn.MaxPool2d if kind == "m" else nn.AvgPool2d
            layers.append(pool(size, stride, padding))
            height = (height + 2 * padding - size) // stride + 1
            width = (width + 2 * padding - size) // stride + 1
        else:
            if not features:
                layers.append(nn.Flatten())
                features = channels * height * width
            layers.append(nn.Linear(features, size))
            if batch_norm:
                layers.append(nn.BatchNorm1d(size))
            layers.append(activation())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            features = size
    if not features:
        layers.append(nn.Flatten())
        features = channels * height * width
    layers.append(nn.Linear(features, num_classes))
    return nn.Sequential(*layers)


class ZeroPadShortcut(nn.Module):
    """Option A (He et al. 2016, section 4.2): the input subsampled, its channels zero-padded."""

    def __init__(self, in_planes, planes, stride):
        super().__init__()
        self.before, self.after, self.stride = (planes - in_planes) // 2, planes - in_planes - (planes - in_planes) // 2, stride

    def forward(self, x):
        return F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, self.before, self.after))


class BasicBlock(nn.Module):
    """He et al. 2016's block with shortcut A, or none (Li et al. 2018's plain nets)."""

    def __init__(self, in_planes, planes, stride, skip):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.skip = skip
        if skip and (stride != 1 or in_planes != planes):
            self.shortcut = ZeroPadShortcut(in_planes, planes, stride)
        else:
            self.shortcut = nn.Identity()

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(out + self.shortcut(x) if self.skip else out)


def build_resnet(depth, skip, image, num_classes):
    if depth < 8 or (depth - 2) % 6:
        sys.exit(f"to_pytorch.py: a resnet's depth must be 6n + 2, got {depth}")
    n = (depth - 2) // 6
    layers = [nn.Unflatten(1, tuple(image)), nn.Conv2d(image[0], 16, 3, padding=1, bias=False), nn.BatchNorm2d(16),
              nn.ReLU()]
    in_planes = 16
    for stage, planes in enumerate((16, 32, 64)):
        for block in range(n):
            layers.append(BasicBlock(in_planes, planes, 2 if stage > 0 and block == 0 else 1, skip))
            in_planes = planes
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(in_planes, num_classes)]
    return nn.Sequential(*layers)


def build_mlp(spec, config, in_features, num_classes):
    hidden = [] if spec == "linear" else [int(h) for h in spec.split(":", 1)[1].split("-")]
    layers, width = [], in_features
    for h in hidden:
        layers.append(nn.Linear(width, h))
        if config.get("batch_norm"):
            layers.append(nn.BatchNorm1d(h))
        layers.append(ACTIVATIONS[config.get("activation", "relu")]())
        if config.get("dropout", 0) > 0:
            layers.append(nn.Dropout(config["dropout"]))
        width = h
    layers.append(nn.Linear(width, num_classes))
    return nn.Sequential(*layers)


def build_model(config, image, num_classes):
    """The torch.nn.Sequential of `config["model"]` for examples of shape `image` (C, H, W)."""
    spec = config["model"].replace(" ", "")
    if spec == "linear" or spec.startswith("mlp:"):
        return build_mlp(spec, config, int(np.prod(image)), num_classes)
    if spec in NAMED_STACKS or spec.startswith("cnn:"):
        return build_cnn(NAMED_STACKS.get(spec) or spec[4:], config, image, num_classes)
    match = re.fullmatch(r"(resnet|plain)(\d+)", spec)
    if not match:
        sys.exit(f"to_pytorch.py: unknown model '{spec}'")
    return build_resnet(int(match.group(2)), match.group(1) == "resnet", image, num_classes)


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


def load_test_set(folder, config):
    """The test images as (N, H*W) float32 rows, scaled as descent scales them: statistics over all
    pixels of the training part (the training images but the last dev_size)."""
    images = read_idx(find(folder, "t10k-images-idx3-ubyte"))
    labels = read_idx(find(folder, "t10k-labels-idx1-ubyte")).astype(np.int64)
    x = images.reshape(len(images), -1).astype(np.float32) / np.float32(255)
    scaling = config.get("scaling", "none")
    if scaling != "none":
        train = read_idx(find(folder, "train-images-idx3-ubyte"))
        train = train[:len(train) - config.get("dev_size", 5000)].astype(np.float64) / 255
        if scaling == "standard":
            shift, scale = train.mean(), train.std()
        else:
            shift, scale = train.min(), train.max() - train.min()
        x = (x - np.float32(shift)) / np.float32(scale if scale > 0 else 1)
    return x, labels, (1,) + images.shape[1:]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights")
    parser.add_argument("--data", help="folder with the t10k IDX files (default: the run's data set)")
    parser.add_argument("--save-state-dict", metavar="PATH", help="also torch.save the model's state_dict to PATH")
    args = parser.parse_args()
    tensors, meta = read_safetensors(args.weights)
    if "descent_config" not in meta:
        sys.exit(f"to_pytorch.py: {args.weights} has no descent_config metadata (not written by descent train?)")
    config = json.loads(meta["descent_config"])
    folder = args.data or IDX_FOLDERS.get(config.get("data", "mnist"), config.get("data"))
    images, labels, image = load_test_set(folder, config)
    model = build_model(config, image, 10)
    state = {}
    for name, value in tensors.items():
        t = torch.from_numpy(value.copy())
        state[name] = t.long() if name.endswith("num_batches_tracked") else t
    model.load_state_dict(state)
    if args.save_state_dict:
        torch.save(model.state_dict(), args.save_state_dict)
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(torch.from_numpy(images[i:i + 1000])) for i in range(0, len(images), 1000)])
        loss = nn.functional.cross_entropy(logits, torch.from_numpy(labels)).item()
        accuracy = (logits.argmax(1).numpy() == labels).mean()
    print(f"test_loss {loss:.6f}  test_acc {100 * accuracy:.2f}%  (PyTorch {torch.__version__}, {len(labels)} examples)")


if __name__ == "__main__":
    main()
