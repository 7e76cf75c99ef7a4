#!/usr/bin/python3
"""Reference trajectories of torch.optim (PyTorch 1.13) for tests/optim/test_reference.cpp.

For each optimizer, several configurations run on
  - mlp: a 3-5-1 tanh MLP on fixed data, mean squared error (float64 and float32), and
  - rosenbrock, beale: the 2-D test functions from a fixed start (float64),
always through step(closure), recording the parameters after selected steps.
float64 runs set torch's default dtype to float64, so the 0-dim state tensors some
optimizers keep (NAdam's mu_product, ASGD's eta and mu) are float64 as well.

Some runs are chaotic: L-BFGS (20 iterations per step) or RMSprop in float32 turn a change
of one ulp in the start into differences far above the test's tolerance, which would
measure rounding, not the optimizer. So every case also runs from a start perturbed by
about one ulp, and only steps where the two runs agree to a tenth of the tolerance are
recorded; a case chaotic from step 1 on is left out and listed under "skipped".

Run with Debian's PyTorch:  /usr/bin/python3 scripts/reference/gen_optim.py
Writes tests/reference/optim_trajectories.json, and tests/reference/optim_clip.json with
torch.nn.utils.clip_grad_norm_ / clip_grad_value_ on fixed gradients.
"""
import json
import math
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "reference", "optim_trajectories.json")
RECORD = [1, 2, 5, 10, 20, 50, 100]
TOLERANCE = {torch.float64: 1e-10, torch.float32: 1e-5}  # as tests/optim/test_reference.cpp
PERTURBATION = {torch.float64: 1e-15, torch.float32: 1e-7}
STEPS = 100
LBFGS_STEPS = 10

# (our spec, torch class, torch kwargs); lr for the MLP and for the test functions may differ.
CONFIGS = [
    ("sgd:lr={lr}", torch.optim.SGD, {}),
    ("sgd:lr={lr},momentum=0.9", torch.optim.SGD, dict(momentum=0.9)),
    ("sgd:lr={lr},momentum=0.9,nesterov=true", torch.optim.SGD, dict(momentum=0.9, nesterov=True)),
    ("sgd:lr={lr},momentum=0.9,dampening=0.5,weight_decay=0.01", torch.optim.SGD,
     dict(momentum=0.9, dampening=0.5, weight_decay=0.01)),
    ("sgd:lr={lr},momentum=0.5,maximize=true", torch.optim.SGD, dict(momentum=0.5, maximize=True)),
    ("adam:lr={lr}", torch.optim.Adam, {}),
    ("adam:lr={lr},amsgrad=true", torch.optim.Adam, dict(amsgrad=True)),
    ("adam:lr={lr},weight_decay=0.01", torch.optim.Adam, dict(weight_decay=0.01)),
    ("adam:lr={lr},betas=0.8/0.99,eps=1e-6,maximize=true", torch.optim.Adam,
     dict(betas=(0.8, 0.99), eps=1e-6, maximize=True)),
    ("adamw:lr={lr}", torch.optim.AdamW, {}),
    ("adamw:lr={lr},weight_decay=0.1,amsgrad=true", torch.optim.AdamW, dict(weight_decay=0.1, amsgrad=True)),
    ("adagrad:lr={lr}", torch.optim.Adagrad, {}),
    ("adagrad:lr={lr},lr_decay=0.01,weight_decay=0.01,initial_accumulator_value=0.1", torch.optim.Adagrad,
     dict(lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
    ("adagrad:lr={lr},maximize=true", torch.optim.Adagrad, dict(maximize=True)),
    ("rmsprop:lr={lr}", torch.optim.RMSprop, {}),
    ("rmsprop:lr={lr},centered=true", torch.optim.RMSprop, dict(centered=True)),
    ("rmsprop:lr={lr},momentum=0.9", torch.optim.RMSprop, dict(momentum=0.9)),
    ("rmsprop:lr={lr},centered=true,momentum=0.5,weight_decay=0.01,alpha=0.9", torch.optim.RMSprop,
     dict(centered=True, momentum=0.5, weight_decay=0.01, alpha=0.9)),
    ("rmsprop:lr={lr},maximize=true", torch.optim.RMSprop, dict(maximize=True)),
    ("adadelta:lr={lr}", torch.optim.Adadelta, {}),
    ("adadelta:lr={lr},rho=0.95,weight_decay=0.01", torch.optim.Adadelta, dict(rho=0.95, weight_decay=0.01)),
    ("adadelta:lr={lr},maximize=true", torch.optim.Adadelta, dict(maximize=True)),
    ("adamax:lr={lr}", torch.optim.Adamax, {}),
    ("adamax:lr={lr},weight_decay=0.01,betas=0.8/0.99", torch.optim.Adamax, dict(weight_decay=0.01, betas=(0.8, 0.99))),
    ("adamax:lr={lr},maximize=true", torch.optim.Adamax, dict(maximize=True)),
    ("nadam:lr={lr}", torch.optim.NAdam, {}),
    ("nadam:lr={lr},weight_decay=0.01,momentum_decay=0.01", torch.optim.NAdam,
     dict(weight_decay=0.01, momentum_decay=0.01)),
    ("radam:lr={lr}", torch.optim.RAdam, {}),
    ("radam:lr={lr},weight_decay=0.01,betas=0.9/0.99", torch.optim.RAdam, dict(weight_decay=0.01, betas=(0.9, 0.99))),
    ("rprop:lr={lr}", torch.optim.Rprop, {}),
    ("rprop:lr={lr},etas=0.3/1.5,step_sizes=1e-4/1", torch.optim.Rprop, dict(etas=(0.3, 1.5), step_sizes=(1e-4, 1))),
    ("rprop:lr={lr},maximize=true", torch.optim.Rprop, dict(maximize=True)),
    ("asgd:lr={lr}", torch.optim.ASGD, {}),
    ("asgd:lr={lr},lambd=1e-3,alpha=0.5,t0=50,weight_decay=0.01", torch.optim.ASGD,
     dict(lambd=1e-3, alpha=0.5, t0=50, weight_decay=0.01)),
    ("asgd:lr={lr},maximize=true", torch.optim.ASGD, dict(maximize=True)),
    ("lbfgs:lr={lr}", torch.optim.LBFGS, {}),
    ("lbfgs:lr={lr},line_search_fn=strong_wolfe", torch.optim.LBFGS, dict(line_search_fn="strong_wolfe")),
    ("lbfgs:lr={lr},history_size=3,max_iter=5,line_search_fn=strong_wolfe", torch.optim.LBFGS,
     dict(history_size=3, max_iter=5, line_search_fn="strong_wolfe")),
]

# Learning rates per optimizer and problem: large enough to move, small enough not to diverge.
LR = {
    "sgd": {"mlp": 0.05, "rosenbrock": 1e-4, "beale": 1e-3},
    "adam": {"mlp": 0.01, "rosenbrock": 0.01, "beale": 0.01},
    "adamw": {"mlp": 0.01, "rosenbrock": 0.01, "beale": 0.01},
    "adagrad": {"mlp": 0.1, "rosenbrock": 0.1, "beale": 0.1},
    "rmsprop": {"mlp": 3e-3, "rosenbrock": 1e-3, "beale": 1e-3},
    "adadelta": {"mlp": 1.0, "rosenbrock": 1.0, "beale": 1.0},
    "adamax": {"mlp": 0.01, "rosenbrock": 0.01, "beale": 0.01},
    "nadam": {"mlp": 0.01, "rosenbrock": 0.01, "beale": 0.01},
    "radam": {"mlp": 0.01, "rosenbrock": 0.01, "beale": 0.01},
    "rprop": {"mlp": 0.01, "rosenbrock": 0.01, "beale": 0.01},
    "asgd": {"mlp": 0.05, "rosenbrock": 1e-4, "beale": 1e-3},
    "lbfgs": {"mlp": 1.0, "rosenbrock": 1.0, "beale": 0.1},
}


SKIPPED = []


def mlp_problem():
    g = torch.Generator().manual_seed(1234)
    x = torch.randn(16, 3, generator=g, dtype=torch.float64)
    y = torch.sin(x.sum(1, keepdim=True))
    params = [torch.randn(5, 3, generator=g, dtype=torch.float64) * 0.5,
              torch.randn(5, generator=g, dtype=torch.float64) * 0.1,
              torch.randn(1, 5, generator=g, dtype=torch.float64) * 0.5,
              torch.randn(1, generator=g, dtype=torch.float64) * 0.1]
    # Values representable in float32, so both dtypes start from the same numbers.
    x, y = x.float().double(), y.float().double()
    params = [p.float().double() for p in params]
    return {"x": x, "y": y, "params": params}


def mlp_loss(params, data):
    w1, b1, w2, b2 = params
    h = torch.tanh(torch.nn.functional.linear(data["x"], w1, b1))
    out = torch.nn.functional.linear(h, w2, b2)
    return ((out - data["y"]) ** 2).mean()


def rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def beale(p):
    x, y = p[0], p[1]
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2 + (2.625 - x + x * y ** 3) ** 2


FUNCTIONS = {"rosenbrock": (rosenbrock, [-1.2, 1.0]), "beale": (beale, [1.0, 1.0])}


def run(spec, cls, kwargs, problem, dtype, maximize_objective, groups=None):
    reference = trajectory_of(spec, cls, kwargs, problem, dtype, maximize_objective, groups, 0.0)
    twin = trajectory_of(spec, cls, kwargs, problem, dtype, maximize_objective, groups, PERTURBATION[dtype])
    kept = {}
    for step, values in reference["trajectory"].items():
        spread = max(abs(a - b) / max(abs(a), 1.0) for a, b in zip(values, twin["trajectory"][step]))
        if spread > TOLERANCE[dtype] / 10:
            break
        kept[step] = values
    reference["trajectory"] = kept
    if "1" not in kept:
        SKIPPED.append(f"{reference['spec']} on {problem} ({reference['dtype']}): chaotic from the first step")
        print("skipped:", SKIPPED[-1])
        return None
    return reference


def trajectory_of(spec, cls, kwargs, problem, dtype, maximize_objective, groups, perturbation):
    torch.set_default_dtype(dtype)
    if problem == "mlp":
        data = mlp_problem()
        data = {k: (v.to(dtype) if torch.is_tensor(v) else [p.to(dtype) for p in v]) for k, v in data.items()}
        params = [(p * (1 + perturbation)).requires_grad_() for p in data["params"]]
        objective = lambda: mlp_loss(params, data)
    else:
        fn, start = FUNCTIONS[problem]
        params = [torch.tensor([start[0] * (1 + perturbation), start[1]], dtype=dtype, requires_grad=True)]
        objective = lambda: fn(params[0])
    lr = LR[spec.split(":")[0]][problem]
    if groups is None:
        opt = cls(params, lr=lr, **kwargs)
    else:
        opt = cls([dict(params=[params[i] for i in g["params"]], **g["options"]) for g in groups], lr=lr, **kwargs)

    def closure():
        opt.zero_grad()
        loss = objective()
        # maximize=True configurations maximize −loss, which minimizes the loss.
        (-loss if maximize_objective else loss).backward()
        return loss

    steps = LBFGS_STEPS if cls is torch.optim.LBFGS else STEPS
    record = [s for s in RECORD if s <= steps]
    initial = [p.detach().clone() for p in params]
    trajectory = {}
    for t in range(1, steps + 1):
        opt.step(closure)
        if t in record:
            flat = torch.cat([p.detach().reshape(-1) for p in params]).double().tolist()
            assert all(math.isfinite(v) for v in flat), (spec, problem, t)
            trajectory[str(t)] = flat
    torch.set_default_dtype(torch.float64)
    return {
        "spec": spec.format(lr=repr(lr)),
        "problem": problem,
        "dtype": "float64" if dtype == torch.float64 else "float32",
        "maximize_objective": maximize_objective,
        "groups": groups or [],
        "initial": [p.double().reshape(-1).tolist() for p in initial],
        "shapes": [list(p.shape) for p in initial],
        "steps": steps,
        "trajectory": trajectory,
    }


def main():
    cases = []
    data = mlp_problem()
    for spec, cls, kwargs in CONFIGS:
        maximize = bool(kwargs.get("maximize", False))
        for dtype in (torch.float64, torch.float32):
            cases.append(run(spec, cls, kwargs, "mlp", dtype, maximize))
        if not maximize:
            for problem in FUNCTIONS:
                cases.append(run(spec, cls, kwargs, problem, torch.float64, False))
    # Parameter groups: weights with weight decay, biases with their own lr and none.
    groups = [{"params": [0, 2], "options": {"weight_decay": 0.01}}, {"params": [1, 3], "options": {"lr": 0.1}}]
    for spec, cls, kwargs in [("sgd:lr={lr},momentum=0.9", torch.optim.SGD, dict(momentum=0.9)),
                              ("adam:lr={lr}", torch.optim.Adam, {})]:
        for dtype in (torch.float64, torch.float32):
            cases.append(run(spec, cls, kwargs, "mlp", dtype, False, groups))
    out = {
        "generator": "scripts/reference/gen_optim.py",
        "torch_version": torch.__version__,
        "mlp": {"x": data["x"].reshape(-1).tolist(), "y": data["y"].reshape(-1).tolist(),
                "x_shape": list(data["x"].shape)},
        "functions": {k: v[1] for k, v in FUNCTIONS.items()},
        "cases": [c for c in cases if c is not None],
        "skipped": SKIPPED,
    }
    with open(OUT, "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(f"wrote {len(out['cases'])} cases to {os.path.normpath(OUT)} ({os.path.getsize(OUT) // 1024} KiB)")


def clip_reference():
    g = torch.Generator().manual_seed(99)
    shapes = [(4, 3), (3,), (2, 2)]
    grads = [torch.randn(*s, generator=g, dtype=torch.float64) for s in shapes]
    cases = []
    for max_norm, norm_type in [(1.0, 2.0), (0.5, 1.0), (1.0, 3.5), (0.3, float("inf")), (100.0, 2.0)]:
        params = [torch.zeros(*s, dtype=torch.float64, requires_grad=True) for s in shapes]
        for p, gr in zip(params, grads):
            p.grad = gr.clone()
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
        cases.append({"kind": "norm", "max_norm": max_norm, "norm_type": "inf" if math.isinf(norm_type) else norm_type,
                      "total_norm": float(total), "clipped": [p.grad.reshape(-1).tolist() for p in params]})
    params = [torch.zeros(*s, dtype=torch.float64, requires_grad=True) for s in shapes]
    for p, gr in zip(params, grads):
        p.grad = gr.clone()
    torch.nn.utils.clip_grad_value_(params, 0.5)
    cases.append({"kind": "value", "clip_value": 0.5, "clipped": [p.grad.reshape(-1).tolist() for p in params]})
    out = {"generator": "scripts/reference/gen_optim.py", "torch_version": torch.__version__,
           "shapes": [list(s) for s in shapes], "grads": [gr.reshape(-1).tolist() for gr in grads], "cases": cases}
    path = os.path.join(os.path.dirname(OUT), "optim_clip.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(f"wrote {len(cases)} clipping cases to {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
    clip_reference()
