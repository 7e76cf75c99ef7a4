#!/usr/bin/env python3
"""Writes the first ROWS training images and 64 test images of an MNIST IDX folder as a new IDX
folder (for the timing scripts: scripts/dist_speed.sh, scripts/scaling_check.sh).

usage: scripts/mnist_subset.py MNIST_DIR OUT_DIR ROWS
"""
import os
import struct
import sys

if len(sys.argv) != 4:
    sys.exit(__doc__)
src, dst, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(dst, exist_ok=True)
for prefix, count in (("train", rows), ("t10k", 64)):
    for kind, item in (("images-idx3-ubyte", 784), ("labels-idx1-ubyte", 1)):
        data = open(os.path.join(src, f"{prefix}-{kind}"), "rb").read()
        header = 16 if item > 1 else 8
        out = data[:4] + struct.pack(">I", count) + data[8:header] + data[header:header + count * item]
        open(os.path.join(dst, f"{prefix}-{kind}"), "wb").write(out)
