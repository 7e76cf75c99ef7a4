"""Reference values for descent's nn layer, from PyTorch 1.13 (Debian's python3-torch).

Run: /usr/bin/python3 scripts/reference/gen_nn.py > tests/reference/nn.json
Writes losses (every reduction; cross-entropy also with label smoothing and with class probabilities), Linear, BatchNorm1d, LayerNorm forward values and
gradients in float64, and torch.nn.init gains and sample statistics.
"""
import json
import math

import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)


def t(x):
    return x.detach().reshape(-1).tolist()


def case(name, inputs, fn):
    """inputs: dict name -> tensor (requires grad for float inputs that need it)."""
    leaves = {k: v.clone().requires_grad_(v.is_floating_point() and k != "target") for k, v in inputs.items()}
    out = fn(**leaves)
    w = torch.linspace(0.5, 1.5, out.numel()).reshape(out.shape)
    (out * w).sum().backward()
    return {
        "name": name,
        "inputs": {k: {"shape": list(v.shape), "values": t(v)} for k, v in inputs.items()},
        "output": {"shape": list(out.shape), "values": t(out)},
        "grads": {k: t(v.grad) for k, v in leaves.items() if v.grad is not None},
    }


cases = []
x = torch.randn(5, 4)
y = torch.randn(5, 4)
for red in ["none", "mean", "sum"]:
    cases.append(case(f"mse_loss/{red}", {"input": x, "target": y}, lambda input, target: F.mse_loss(input, target, reduction=red)))
    cases.append(case(f"l1_loss/{red}", {"input": x, "target": y}, lambda input, target: F.l1_loss(input, target, reduction=red)))
    cases.append(case(f"huber_loss/{red}", {"input": 2 * x, "target": y},
                      lambda input, target: F.huber_loss(input, target, reduction=red, delta=0.7)))
    logits = torch.randn(6, 5) * 3
    labels = torch.tensor([0, 4, 2, 2, 1, 3])
    cases.append(case(f"cross_entropy/{red}", {"input": logits, "target": labels.double()},
                      lambda input, target: F.cross_entropy(input, target.long(), reduction=red)))
    cases.append(case(f"nll_loss/{red}", {"input": F.log_softmax(logits, 1), "target": labels.double()},
                      lambda input, target: F.nll_loss(input, target.long(), reduction=red)))
    bt = torch.rand(5, 4)
    cases.append(case(f"binary_cross_entropy_with_logits/{red}", {"input": 3 * x, "target": bt},
                      lambda input, target: F.binary_cross_entropy_with_logits(input, target, reduction=red)))

# cross-entropy on huge logits stays finite
big = torch.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 5e3]])
cases.append(case("cross_entropy/large_logits", {"input": big, "target": torch.tensor([1.0, 1.0])},
                  lambda input, target: F.cross_entropy(input, target.long())))

lin_x, lin_w, lin_b = torch.randn(3, 4), torch.randn(2, 4), torch.randn(2)
cases.append(case("linear", {"input": lin_x, "weight": lin_w, "bias": lin_b},
                  lambda input, weight, bias: F.linear(input, weight, bias)))

bn_x, bn_w, bn_b = torch.randn(6, 3) * 2 + 1, torch.randn(3), torch.randn(3)
cases.append(case("batch_norm/train", {"input": bn_x, "weight": bn_w, "bias": bn_b},
                  lambda input, weight, bias: F.batch_norm(input, torch.zeros(3), torch.ones(3), weight, bias,
                                                           training=True, momentum=0.1, eps=1e-5)))
rm, rv = torch.zeros(3), torch.ones(3)
F.batch_norm(bn_x, rm, rv, None, None, training=True, momentum=0.1, eps=1e-5)
running = {"running_mean": t(rm), "running_var": t(rv)}

ln_x, ln_w, ln_b = torch.randn(4, 5), torch.randn(5), torch.randn(5)
cases.append(case("layer_norm", {"input": ln_x, "weight": ln_w, "bias": ln_b},
                  lambda input, weight, bias: F.layer_norm(input, (5,), weight, bias, eps=1e-5)))

# init: gains, and the standard deviation each scheme targets for a (300, 200) weight
gains = {nl: torch.nn.init.calculate_gain(nl) for nl in ["linear", "sigmoid", "tanh", "relu", "selu"]}
gains["leaky_relu"] = torch.nn.init.calculate_gain("leaky_relu", 0.2)
w = torch.empty(300, 200)
stds = {}
for name, fn in [("xavier_uniform", lambda: torch.nn.init.xavier_uniform_(w)),
                 ("xavier_normal", lambda: torch.nn.init.xavier_normal_(w)),
                 ("kaiming_uniform_relu", lambda: torch.nn.init.kaiming_uniform_(w, nonlinearity="relu")),
                 ("kaiming_normal_relu_fan_out", lambda: torch.nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")),
                 ("linear_default", lambda: torch.nn.init.kaiming_uniform_(w, a=math.sqrt(5)))]:
    fn()
    stds[name] = {"sample_std": w.std().item(), "max_abs": w.abs().max().item()}

# Drawn last, so that the values above stay as they were: cross-entropy with label smoothing
# (torch.nn.CrossEntropyLoss(label_smoothing=0.15)), and binary cross-entropy on logits with
# exact zeros among the logits (where the gradient is sigmoid(0) - t = 0.5 - t).
ls_logits = torch.randn(6, 5) * 3
ls_labels = torch.tensor([1, 0, 4, 3, 3, 2])
bce_logits = torch.randn(4, 3) * 2
bce_logits[0, 0] = bce_logits[2, 1] = 0.0
bce_targets = (torch.rand(4, 3) > 0.5).double()
for red in ["none", "mean", "sum"]:
    cases.append(case(f"cross_entropy_label_smoothing/{red}", {"input": ls_logits, "target": ls_labels.double()},
                      lambda input, target: F.cross_entropy(input, target.long(), reduction=red,
                                                            label_smoothing=0.15)))
    cases.append(case(f"binary_cross_entropy_with_logits_zeros/{red}", {"input": bce_logits, "target": bce_targets},
                      lambda input, target: F.binary_cross_entropy_with_logits(input, target, reduction=red)))

# Cross-entropy with class probabilities as the target (torch >= 1.10), with and without label
# smoothing: a float target of the logits' shape.
prob_logits = torch.randn(5, 4) * 2
prob_targets = torch.softmax(torch.randn(5, 4), 1)
for red in ["none", "mean", "sum"]:
    cases.append(case(f"cross_entropy_probabilities/{red}", {"input": prob_logits, "target": prob_targets},
                      lambda input, target: F.cross_entropy(input, target, reduction=red)))
    cases.append(case(f"cross_entropy_probabilities_label_smoothing/{red}",
                      {"input": prob_logits, "target": prob_targets},
                      lambda input, target: F.cross_entropy(input, target, reduction=red, label_smoothing=0.15)))

print(json.dumps({"torch_version": torch.__version__, "cases": cases, "batch_norm_running": running,
                  "gains": gains, "init_300x200": stds}, indent=1))
