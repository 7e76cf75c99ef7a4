"""Converts a PyTorch state_dict into weights that `descent eval` and `descent train --init-from` take.

    /usr/bin/python3 scripts/from_pytorch.py model.pt OUT.safetensors --model lenet5 [--data mnist]

model.pt is what torch.save wrote: a state_dict, a dict holding one under "state_dict" or
"model", or a whole nn.Module. Its architecture must be the model --model names (with the
--activation, --dropout and --batch-norm it was trained with): scripts/to_pytorch.py builds that
torch.nn.Sequential. Tensors are matched by name when the names are the Sequential's, else in
order (a torch state_dict lists each module's parameters and buffers in registration order, so
a CIFAR ResNet written as conv1, bn1, layer1..3, linear maps onto resnetN), and every shape is
checked. The output holds float32 tensors and, as descent train writes it, the configuration in
the metadata ("descent_config"), so `descent eval --weights OUT.safetensors` rebuilds the model.
Needs Debian's python3-torch (run with /usr/bin/python3).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, SCRIPTS)
sys.path.insert(0, os.path.join(os.path.dirname(SCRIPTS), "tests", "io"))
from safetensors_numpy import write_file  # noqa: E402  (the numpy writer the safetensors tests check against)
from to_pytorch import build_model  # noqa: E402

# The example shape of each data set descent loads by name.
IMAGE_SHAPES = {"mnist": (1, 28, 28), "fashion-mnist": (1, 28, 28), "cifar10": (3, 32, 32)}


def load_state_dict(path):
    loaded = torch.load(path, map_location="cpu")
    if isinstance(loaded, torch.nn.Module):
        return loaded.state_dict()
    for key in ("state_dict", "model"):
        if isinstance(loaded, dict) and isinstance(loaded.get(key), dict):
            return loaded[key]
    return loaded


def matched(given, expected):
    """given's tensors under expected's names: by name when they agree, else in order; shapes checked."""
    given = {name: t for name, t in given.items()}
    names = list(expected)
    if set(given) == set(names):
        pairs = [(name, name) for name in names]
    elif len(given) == len(names):
        pairs = list(zip(names, given))
    else:
        sys.exit(f"from_pytorch.py: the state_dict has {len(given)} tensors, the model {len(names)}: "
                 "not the same architecture (check --model, --batch-norm, --dropout)")
    out = []
    for name, source in pairs:
        if tuple(given[source].shape) != tuple(expected[name].shape):
            sys.exit(f"from_pytorch.py: tensor '{source}' has shape {list(given[source].shape)} but the model's "
                     f"'{name}' is {list(expected[name].shape)}")
        out.append((name, given[source].detach().double().numpy().astype(np.float32)))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("state_dict", help="a file torch.save wrote")
    parser.add_argument("out", help="the .safetensors file to write")
    parser.add_argument("--model", required=True, help="the descent model spec: lenet5, resnet20, cnn:..., mlp:...")
    parser.add_argument("--data", default="mnist", help="mnist, fashion-mnist or cifar10 (the example shape)")
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--activation", default="relu")
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--batch-norm", action="store_true")
    args = parser.parse_args()
    if args.data not in IMAGE_SHAPES:
        sys.exit(f"from_pytorch.py: --data must be one of {', '.join(IMAGE_SHAPES)}, got '{args.data}'")
    config = {"model": args.model, "data": args.data, "activation": args.activation, "dropout": args.dropout,
              "batch_norm": args.batch_norm}
    reference = build_model(config, IMAGE_SHAPES[args.data], args.classes)
    tensors = matched(load_state_dict(args.state_dict), reference.state_dict())
    write_file(args.out, [(name, "F32", np.ascontiguousarray(array, dtype="<f4")) for name, array in tensors],
               {"descent_config": json.dumps(config), "converted_from": os.path.basename(args.state_dict)})
    print(f"wrote {args.out}: {len(tensors)} tensors of {args.model}")


if __name__ == "__main__":
    main()
