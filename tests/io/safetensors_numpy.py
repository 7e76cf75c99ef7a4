"""A safetensors reader and writer using only json and numpy: an independent check that
descent's files are standard safetensors.

  safetensors_numpy.py read FILE OUT.json   dump FILE's tensors (dtype, shape, values) and metadata
  safetensors_numpy.py write FILE           write a small file as the reference implementation would
  safetensors_numpy.py write-dtypes FILE    write one small tensor of every dtype but F32/F64
"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": "<f4", "F64": "<f8", "I64": "<i8"}


def read(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    data = raw[8 + n:]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        tensors[name] = {"dtype": info["dtype"], "shape": list(array.shape),
                         "values": [v.item() for v in array.ravel()]}
    return {"header_length": n, "metadata": metadata, "tensors": tensors}


def write_file(path, tensors, metadata=None):
    """tensors: (name, safetensors dtype code, array) in data order; the header lists its keys
    sorted, padded with spaces to a multiple of 8 bytes, as the reference implementation does."""
    header, blobs, offset = {}, [], 0
    for name, code, array in tensors:
        blob = array.tobytes()
        header[name] = {"dtype": code, "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def write(path):
    # Data in the order b, a, d, c; header keys sorted, so header order differs from data order.
    arrays = {
        "b": np.array(np.pi, dtype="<f8"),
        "a": (np.arange(6, dtype="<f4") * 0.5 - 1.0).reshape(2, 3),
        "d": np.array([[1e-300], [-2.5], [3.0], [np.inf]], dtype="<f8"),
        "c": np.zeros((0, 3), dtype="<f4"),
    }
    write_file(path, [(name, "F32" if a.dtype == np.float32 else "F64", a) for name, a in arrays.items()],
               {"writer": "numpy", "format": "pt"})


def write_dtypes(path):
    """F16, BF16 (numpy has no bfloat16: the top halves of float32 values that bfloat16 holds
    exactly), and the integer and boolean dtypes, with their extreme values."""
    bf16 = (np.array([1.5, -2.0, 0.15625, np.inf, 65280.0], dtype="<f4").view("<u4") >> 16).astype("<u2")
    arrays = [
        ("F16", np.array([0.5, -2.0, 65504.0, 2.0**-14, 2.0**-24, np.inf, -0.0], dtype="<f2")),
        ("BF16", bf16),
        ("I64", np.array([-(2**63), 0, 2**53 + 1, 2**63 - 1], dtype="<i8")),
        ("I32", np.array([-(2**31), 2**31 - 1], dtype="<i4")),
        ("I16", np.array([-32768, 32767], dtype="<i2")),
        ("I8", np.array([-128, 127], dtype="<i1")),
        ("U64", np.array([0, 2**63 - 1], dtype="<u8")),
        ("U32", np.array([2**32 - 1], dtype="<u4")),
        ("U16", np.array([65535], dtype="<u2")),
        ("U8", np.array([0, 255], dtype="<u1")),
        ("BOOL", np.array([True, False, True], dtype="|b1")),
    ]
    write_file(path, [(code.lower(), code, array) for code, array in arrays])


if __name__ == "__main__":
    if sys.argv[1] == "read":
        with open(sys.argv[3], "w") as out:
            json.dump(read(sys.argv[2]), out)
    elif sys.argv[1] == "write":
        write(sys.argv[2])
    elif sys.argv[1] == "write-dtypes":
        write_dtypes(sys.argv[2])
    else:
        sys.exit("usage: safetensors_numpy.py read FILE OUT.json | write FILE | write-dtypes FILE")
