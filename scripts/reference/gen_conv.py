#!/usr/bin/python3
"""Reference values for descent's convolution, pooling, batch-norm and pad ops and for a
residual BasicBlock, from PyTorch (Debian's python3-torch 1.13).

Writes tests/reference/conv.json:
  "cases": for every op case, the inputs, torch's output, the gradient of
    sum(output * grad_output) with respect to each input that requires grad and, for
    batch_norm, the running statistics after the call; in float64 and again in float32.
    Inputs are rounded to float32 first, so both dtypes start from the same numbers.
    tests/ops/test_conv_reference.cpp replays every case.
  "blocks": small BasicBlocks (He et al. 2016) with their state_dict, an input, the output in
    training mode, the gradients of every parameter and of the input, the running statistics
    after the step, and the output in evaluation mode. tests/nn/test_conv_layers.cpp replays them.

Run from the repository root:  /usr/bin/python3 scripts/reference/gen_conv.py
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_cases import randn, record_case, rounded, tensor_json, write_reference

torch.manual_seed(3)
CASES = []
BLOCKS = []


def positive(*shape):
    return rounded(torch.rand(shape, dtype=torch.float64) * 1.5 + 0.5)


def case(name, op, inputs, params=None, grad=None, transpose=None, mutated=()):
    CASES.append(record_case(OPS, name, op, inputs, params, grad, transpose, mutated))


def conv2d(x, p):
    return F.conv2d(x[0], x[1], x[2] if len(x) > 2 else None, p.get("stride", 1), p.get("padding", 0),
                    p.get("dilation", 1), p.get("groups", 1))


def conv_transpose2d(x, p):
    return F.conv_transpose2d(x[0], x[1], x[2] if len(x) > 2 else None, p.get("stride", 1), p.get("padding", 0),
                              p.get("output_padding", 0), p.get("groups", 1), p.get("dilation", 1))


def batch_norm(x, p):
    """inputs: x, then running_mean and running_var when p["running"], then weight and bias when p["affine"]."""
    rest = list(x[1:])
    running = (rest.pop(0), rest.pop(0)) if p["running"] else (None, None)
    affine = (rest.pop(0), rest.pop(0)) if p["affine"] else (None, None)
    return F.batch_norm(x[0], running[0], running[1], affine[0], affine[1], p["training"], p["momentum"], p["eps"])


# How each op is called, by the names test_conv_reference.cpp uses.
OPS = {
    "conv2d": conv2d,
    "conv_transpose2d": conv_transpose2d,
    "max_pool2d": lambda x, p: F.max_pool2d(x[0], p["kernel_size"], p.get("stride"), p.get("padding", 0),
                                            p.get("dilation", 1), p.get("ceil_mode", False)),
    "avg_pool2d": lambda x, p: F.avg_pool2d(x[0], p["kernel_size"], p.get("stride"), p.get("padding", 0),
                                            p.get("ceil_mode", False), p.get("count_include_pad", True)),
    "adaptive_avg_pool2d": lambda x, p: F.adaptive_avg_pool2d(x[0], p["output_size"]),
    "batch_norm": batch_norm,
    "pad": lambda x, p: F.pad(x[0], p["pad"], "constant", p.get("value", 0.0)),
}


def build_cases():
    # ---- conv2d
    case("conv2d_3x3_pad1_bias", "conv2d", [randn(2, 3, 6, 5), randn(4, 3, 3, 3), randn(4)], {"padding": 1})
    case("conv2d_no_bias", "conv2d", [randn(2, 3, 6, 5), randn(4, 3, 3, 3)])
    case("conv2d_stride_padding_dilation", "conv2d", [randn(2, 2, 9, 8), randn(3, 2, 3, 2), randn(3)],
         {"stride": [2, 1], "padding": [1, 2], "dilation": [1, 2]})
    case("conv2d_groups", "conv2d", [randn(2, 4, 5, 5), randn(6, 2, 3, 3), randn(6)], {"groups": 2, "padding": 1})
    case("conv2d_depthwise", "conv2d", [randn(1, 3, 6, 6), randn(3, 1, 3, 3)], {"groups": 3, "stride": 2})
    case("conv2d_same_odd", "conv2d", [randn(2, 2, 5, 6), randn(3, 2, 3, 3), randn(3)], {"padding": "same"})
    case("conv2d_same_even_dilated", "conv2d", [randn(1, 2, 6, 5), randn(3, 2, 2, 4)],
         {"padding": "same", "dilation": [2, 1]})
    case("conv2d_valid", "conv2d", [randn(1, 2, 5, 5), randn(2, 2, 3, 3)], {"padding": "valid"})
    case("conv2d_1x1", "conv2d", [randn(3, 4, 3, 3), randn(5, 4, 1, 1), randn(5)])
    case("conv2d_transposed_input", "conv2d", [randn(2, 3, 5, 6), randn(4, 3, 3, 3), randn(4)], {"padding": 1},
         transpose=[True, False, False])
    case("conv2d_unbatched", "conv2d", [randn(3, 5, 5), randn(2, 3, 3, 3), randn(2)])
    case("conv2d_weight_only", "conv2d", [randn(2, 3, 5, 5), randn(2, 3, 3, 3)], grad=[False, True])
    case("conv2d_large_channels", "conv2d", [randn(2, 16, 8, 8), randn(8, 16, 3, 3, scale=0.2), randn(8)],
         {"padding": 1})

    # ---- conv_transpose2d
    case("conv_transpose2d_basic", "conv_transpose2d", [randn(2, 3, 4, 4), randn(3, 2, 3, 3), randn(2)])
    case("conv_transpose2d_stride_padding_output_padding", "conv_transpose2d",
         [randn(2, 3, 4, 3), randn(3, 4, 3, 3), randn(4)], {"stride": 2, "padding": 1, "output_padding": 1})
    case("conv_transpose2d_groups_dilation", "conv_transpose2d", [randn(1, 4, 3, 4), randn(4, 1, 2, 3), randn(2)],
         {"stride": [1, 2], "groups": 2, "dilation": [2, 1]})
    case("conv_transpose2d_no_bias_asymmetric", "conv_transpose2d", [randn(2, 2, 3, 3), randn(2, 3, 2, 4)],
         {"stride": [3, 2], "padding": [1, 0], "output_padding": [2, 1]})

    # ---- pooling
    case("max_pool2d_2", "max_pool2d", [randn(2, 3, 6, 6)], {"kernel_size": 2})
    case("max_pool2d_3_stride2_pad1", "max_pool2d", [randn(2, 2, 7, 6)], {"kernel_size": 3, "stride": 2, "padding": 1})
    case("max_pool2d_ceil", "max_pool2d", [randn(1, 2, 7, 7)], {"kernel_size": 2, "stride": 2, "ceil_mode": True})
    case("max_pool2d_ceil_pad", "max_pool2d", [randn(1, 2, 6, 5)],
         {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True})
    case("max_pool2d_dilation", "max_pool2d", [randn(1, 2, 8, 7)],
         {"kernel_size": [2, 3], "stride": [1, 2], "padding": [1, 0], "dilation": [2, 1]})
    ties = rounded(torch.tensor([[[[1.0, 1.0, 0.0, 2.0], [1.0, 0.5, 2.0, 2.0], [3.0, 3.0, 0.0, 0.0],
                                   [3.0, 3.0, 0.0, 0.0]]]], dtype=torch.float64))
    case("max_pool2d_ties_first_maximum", "max_pool2d", [ties], {"kernel_size": 2})
    case("max_pool2d_overlapping_ties", "max_pool2d", [ties], {"kernel_size": 2, "stride": 1})
    case("max_pool2d_transposed_input", "max_pool2d", [randn(2, 2, 5, 6)], {"kernel_size": 2},
         transpose=[True])
    case("avg_pool2d_2", "avg_pool2d", [randn(2, 3, 6, 6)], {"kernel_size": 2})
    for include in (True, False):
        suffix = "include_pad" if include else "exclude_pad"
        case(f"avg_pool2d_pad_{suffix}", "avg_pool2d", [randn(2, 2, 7, 6)],
             {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": include})
        case(f"avg_pool2d_ceil_{suffix}", "avg_pool2d", [randn(1, 2, 6, 5)],
             {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": include})
    case("avg_pool2d_rect", "avg_pool2d", [randn(1, 2, 7, 8)], {"kernel_size": [2, 3], "stride": [3, 1]})
    case("adaptive_avg_pool2d_1", "adaptive_avg_pool2d", [randn(2, 3, 5, 6)], {"output_size": 1})
    case("adaptive_avg_pool2d_uneven", "adaptive_avg_pool2d", [randn(2, 2, 7, 5)], {"output_size": [3, 2]})
    case("adaptive_avg_pool2d_upsample", "adaptive_avg_pool2d", [randn(1, 2, 3, 4)], {"output_size": [5, 6]})
    case("adaptive_avg_pool2d_unbatched", "adaptive_avg_pool2d", [randn(3, 6, 6)], {"output_size": [4, 4]})

    # ---- batch_norm
    bn = {"eps": 1e-5, "momentum": 0.1}
    case("batch_norm_training", "batch_norm",
         [randn(4, 3, 3, 2, scale=2.0) + 1.0, randn(3), positive(3), randn(3), randn(3)],
         {**bn, "training": True, "running": True, "affine": True}, grad=[True, False, False, True, True],
         mutated=[1, 2])
    case("batch_norm_training_momentum_eps", "batch_norm",
         [randn(3, 2, 4, 4), randn(2), positive(2), randn(2), randn(2)],
         {"eps": 1e-3, "momentum": 0.25, "training": True, "running": True, "affine": True},
         grad=[True, False, False, True, True], mutated=[1, 2])
    case("batch_norm_training_no_affine_no_running", "batch_norm", [randn(2, 3, 2, 3)],
         {**bn, "training": True, "running": False, "affine": False})
    case("batch_norm_eval", "batch_norm", [randn(2, 3, 3, 3), randn(3), positive(3), randn(3), randn(3)],
         {**bn, "training": False, "running": True, "affine": True}, grad=[True, False, False, True, True])
    case("batch_norm_1d", "batch_norm", [randn(6, 4), randn(4), positive(4), randn(4), randn(4)],
         {**bn, "training": True, "running": True, "affine": True}, grad=[True, False, False, True, True],
         mutated=[1, 2])
    case("batch_norm_transposed_input", "batch_norm", [randn(2, 3, 4, 5), randn(3), randn(3)],
         {**bn, "training": True, "running": False, "affine": True}, transpose=[True, False, False])

    # ---- pad
    case("pad_last_dim", "pad", [randn(2, 3, 4)], {"pad": [1, 2]})
    case("pad_last_two", "pad", [randn(2, 2, 3, 4)], {"pad": [1, 2, 0, 3], "value": 0.5})
    case("pad_negative_crops", "pad", [randn(1, 2, 5, 6)], {"pad": [-1, 2, 1, -2]})
    case("pad_transposed_input", "pad", [randn(2, 3, 4)], {"pad": [2, 0, 1, 1], "value": -1.0}, transpose=[True])


class LambdaLayer(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.f = f

    def forward(self, x):
        return self.f(x)


class BasicBlock(nn.Module):
    """He et al. 2016 (section 4.2), as the CIFAR ResNets write it (shortcut "A" zero-pads
    channels of the subsampled input; "B" is a 1x1 convolution and batch norm; "none" is Li et
    al. 2018's plain block)."""

    def __init__(self, in_planes, planes, stride, shortcut):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.has_shortcut = shortcut != "none"
        self.shortcut = nn.Sequential()
        if shortcut != "none" and (stride != 1 or in_planes != planes):
            if shortcut == "A":
                lo = (planes - in_planes) // 2
                hi = planes - in_planes - lo
                self.shortcut = LambdaLayer(
                    lambda x: F.pad(x[:, :, ::stride, ::stride], (0, 0, 0, 0, lo, hi), "constant", 0.0))
            else:
                self.shortcut = nn.Sequential(nn.Conv2d(in_planes, planes, 1, stride, bias=False),
                                              nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.has_shortcut:
            out = out + self.shortcut(x)
        return F.relu(out)


def block(name, in_planes, planes, stride, shortcut, batch=2, size=6):
    model = BasicBlock(in_planes, planes, stride, shortcut).to(torch.float64)
    with torch.no_grad():  # batch-norm affine parameters and running statistics away from 1 and 0
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.weight.copy_(rounded(torch.rand(planes, dtype=torch.float64) + 0.5))
                module.bias.copy_(randn(planes, scale=0.5))
                module.running_mean.copy_(randn(planes, scale=0.1))
                module.running_var.copy_(positive(planes))
            if isinstance(module, nn.Conv2d):
                module.weight.copy_(rounded(module.weight))
    state = {k: v.clone() for k, v in model.state_dict().items()}
    x = randn(batch, in_planes, size, size)
    entry = {"name": name, "in_planes": in_planes, "planes": planes, "stride": stride, "shortcut": shortcut,
             "state_dict": [{"name": k, **tensor_json(v.to(torch.float64))} for k, v in state.items()],
             "input": tensor_json(x)}
    grad_output = None
    for dtype, key in ((torch.float64, "f64"), (torch.float32, "f32")):
        model.load_state_dict(state)
        model.to(dtype).train()
        xi = x.clone().to(dtype).requires_grad_()
        out = model(xi)
        if grad_output is None:
            grad_output = rounded(torch.rand(out.shape, dtype=torch.float64) + 0.5)
            entry["grad_output"] = tensor_json(grad_output)
        model.zero_grad()
        out.backward(grad_output.to(dtype))
        result = {"output": tensor_json(out), "input_grad": tensor_json(xi.grad),
                  "grads": {k: tensor_json(p.grad) for k, p in model.named_parameters()},
                  "buffers": {k: tensor_json(b.to(torch.float64)) for k, b in model.named_buffers()}}
        model.eval()
        with torch.no_grad():
            result["eval_output"] = tensor_json(model(x.clone().to(dtype)))
        entry[key] = result
    BLOCKS.append(entry)


def build_blocks():
    block("identity", 4, 4, 1, "B")
    block("projection_B", 4, 8, 2, "B")
    block("zero_pad_A", 4, 8, 2, "A")
    block("no_shortcut", 4, 8, 2, "none")


def main():
    build_cases()
    build_blocks()
    path = write_reference("conv.json", "scripts/reference/gen_conv.py", {"cases": CASES, "blocks": BLOCKS})
    print(f"wrote {len(CASES)} cases and {len(BLOCKS)} blocks to {path}")


if __name__ == "__main__":
    main()
