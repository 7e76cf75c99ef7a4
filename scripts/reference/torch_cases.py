"""What gen_ops.py and gen_conv.py share: inputs rounded to float32, the JSON form of a
tensor, the recording of one op case in float64 and float32, and the writing of the reference
file under tests/reference/. The generators seed torch before drawing; nothing here draws
except the grad_output of a case.
"""
import json
import os

import torch


def rounded(t):
    """Float32-representable float64 values, so float32 and float64 runs see the same input."""
    return t.to(torch.float32).to(torch.float64)


def randn(*shape, scale=1.0):
    return rounded(torch.randn(shape, dtype=torch.float64) * scale)


def tensor_json(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}


def record_case(ops, name, op, inputs, params=None, grad=None, transpose=None, mutated=None):
    """One case of ops[op]: inputs are float64 tensors; grad[i] says whether input i gets a
    gradient (default all); transpose[i]: the op sees input i with its last two dims swapped (a
    non-contiguous view); mutated: inputs the op updates in place (batch_norm's running
    statistics), recorded after the call (None: the case has no "mutated" entry)."""
    n = len(inputs)
    grad = grad if grad is not None else [True] * n
    transpose = transpose if transpose is not None else [False] * n
    entry = {
        "name": name,
        "op": op,
        "params": params or {},
        "inputs": [
            {**tensor_json(t), "requires_grad": g, "transpose": tr} for t, g, tr in zip(inputs, grad, transpose)
        ],
    }
    grad_output = None
    for dtype, key in ((torch.float64, "f64"), (torch.float32, "f32")):
        leaves = [t.clone().to(dtype).requires_grad_(g) for t, g in zip(inputs, grad)]
        seen = [leaf.transpose(-1, -2) if tr else leaf for leaf, tr in zip(leaves, transpose)]
        out = ops[op](seen, params or {})
        result = {"output": tensor_json(out)}
        if mutated is not None:
            result["mutated"] = {str(i): tensor_json(leaves[i]) for i in mutated}
        if out.requires_grad:
            if grad_output is None:
                grad_output = rounded(torch.rand(out.shape, dtype=torch.float64) + 0.5)
                entry["grad_output"] = tensor_json(grad_output)
            out.backward(grad_output.to(dtype))
            result["grads"] = [tensor_json(leaf.grad) if g else None for leaf, g in zip(leaves, grad)]
        entry[key] = result
    return entry


def write_reference(file_name, generator, content):
    """Writes {"generator", "torch_version", **content} to tests/reference/file_name; returns its path."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.path.join(root, "tests", "reference", file_name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"generator": generator, "torch_version": torch.__version__, **content}, f, allow_nan=False)
        f.write("\n")
    return path
