"""Whole-training parity reference, from PyTorch 1.13 (Debian's python3-torch), as llm.c
checks its training step against PyTorch's.

Run: /usr/bin/python3 scripts/reference/gen_parity.py > tests/reference/parity.json
Trains a small MLP with batch norm (Linear-BatchNorm1d-ReLU twice, then Linear; no dropout)
in float64 for 20 steps of a fixed batch order, twice: SGD with momentum and AdamW with
gradient-norm clipping, each with weight decay on the Linear weights only (biases and batch
norm parameters in a group without decay) and CosineAnnealingLR stepped after every batch.
Writes the data, the batch order, the initial state_dict, every step's loss and the final
state_dict; tests/train/test_parity.cpp trains the same in descent and compares.
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float64)

FEATURES, CLASSES, EXAMPLES, BATCH, STEPS = 6, 3, 64, 16, 20
HIDDEN = (10, 8)


def flat(x):
    return x.detach().reshape(-1).tolist()


def make_model():
    layers, width = [], FEATURES
    for h in HIDDEN:
        layers += [torch.nn.Linear(width, h), torch.nn.BatchNorm1d(h), torch.nn.ReLU()]
        width = h
    layers.append(torch.nn.Linear(width, CLASSES))
    return torch.nn.Sequential(*layers)


def state_of(model):
    """Parameters and buffers (running statistics, num_batches_tracked) by name."""
    return {name: {"shape": list(t.shape), "values": flat(t.double())} for name, t in model.state_dict().items()}


def param_groups(model, weight_decay):
    """Weight decay on the Linear weights only, as is usual for biases and normalization."""
    decay, no_decay = [], []
    for module in model:
        if isinstance(module, torch.nn.Linear):
            decay.append(module.weight)
            no_decay.append(module.bias)
        elif isinstance(module, torch.nn.BatchNorm1d):
            no_decay += [module.weight, module.bias]
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


CASES = [
    {"name": "sgd_momentum", "optimizer": "sgd:lr=0.1,momentum=0.9,weight_decay=5e-4", "clip_grad_norm": 0.0,
     "schedule": "cosine:T_max=20,eta_min=0.001",
     "make": lambda groups: torch.optim.SGD(groups, lr=0.1, momentum=0.9), "weight_decay": 5e-4, "eta_min": 1e-3},
    {"name": "adamw_clip", "optimizer": "adamw:lr=0.01,weight_decay=0.05", "clip_grad_norm": 0.5,
     "schedule": "cosine:T_max=20", "make": lambda groups: torch.optim.AdamW(groups, lr=0.01),
     "weight_decay": 0.05, "eta_min": 0.0},
]


def train(case, initial, x, y, batches):
    model = make_model()
    model.load_state_dict(initial)
    model.train()
    optimizer = case["make"](param_groups(model, case["weight_decay"]))
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=STEPS, eta_min=case["eta_min"])
    losses = []
    for batch in batches:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x[batch]), y[batch])
        loss.backward()
        if case["clip_grad_norm"] > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), case["clip_grad_norm"])
        optimizer.step()
        schedule.step()
        losses.append(loss.item())
    return {"name": case["name"], "optimizer": case["optimizer"], "clip_grad_norm": case["clip_grad_norm"],
            "schedule": case["schedule"], "losses": losses, "final": state_of(model)}


x = torch.randn(EXAMPLES, FEATURES)
y = (x[:, 0] + 0.5 * x[:, 1] * x[:, 2] > 0).long() + (x[:, 3] > 0.8).long()
batches = [perm[i:i + BATCH].tolist()
           for perm in (torch.randperm(EXAMPLES) for _ in range(STEPS * BATCH // EXAMPLES))
           for i in range(0, EXAMPLES, BATCH)]
initial_model = make_model()
initial = initial_model.state_dict()
print(json.dumps({
    "generator": "scripts/reference/gen_parity.py",
    "torch": torch.__version__,
    "hidden": list(HIDDEN),
    "features": FEATURES,
    "classes": CLASSES,
    "x": flat(x),
    "y": y.tolist(),
    "batches": batches,
    "initial": state_of(initial_model),
    "cases": [train(case, initial, x, y, batches) for case in CASES],
}))
