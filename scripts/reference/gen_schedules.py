#!/usr/bin/python3
"""Reference learning rates from PyTorch 1.13's schedulers, for tests/schedule.

Run with Debian's python3-torch:  /usr/bin/python3 scripts/reference/gen_schedules.py
Writes tests/reference/schedules.json. Each case gives the descent spec (or the C++ API it
exercises), the torch construction it mirrors, and every group's lr (and the cycled momentum)
after construction and after each of `steps` scheduler steps. Floats are written with repr,
so they round-trip exactly.
"""
import json
import math
import os
import sys
import warnings

import torch
from torch.optim import lr_scheduler as S
from torch.optim.swa_utils import SWALR

warnings.filterwarnings("ignore")  # "lr_scheduler.step() before optimizer.step()"

STEPS = 1000
GROUP_LRS = [0.1, 0.03]


def make_optimizer(kind):
    groups = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in GROUP_LRS]
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=GROUP_LRS[0], momentum=0.9)
    if kind == "adam":
        return torch.optim.Adam(groups, lr=GROUP_LRS[0])
    raise ValueError(kind)


def momentum_of(group, key):
    return group["betas"][0] if key == "beta1" else group["momentum"]


def run(name, spec, build, kind="sgd", momentum_key="", steps=STEPS, metrics=None, epochs=None):
    opt = make_optimizer(kind)
    sched = build(opt)
    lrs = [[g["lr"]] for g in opt.param_groups]
    moms = [[momentum_of(g, momentum_key)] for g in opt.param_groups] if momentum_key else []

    def record():
        for i, g in enumerate(opt.param_groups):
            lrs[i].append(g["lr"])
            if momentum_key:
                moms[i].append(momentum_of(g, momentum_key))

    if metrics is not None:
        for m in metrics:
            sched.step(m)
            record()
    elif epochs is not None:
        for e in epochs:
            sched.step(e)
            record()
    else:
        for _ in range(steps):
            opt.step()
            sched.step()
            record()
    case = {"name": name, "spec": spec, "optimizer": kind, "group_lrs": GROUP_LRS, "lr": lrs}
    if momentum_key:
        case["momentum_key"] = momentum_key
        case["momentum"] = moms
    if metrics is not None:
        case["metrics"] = metrics
    if epochs is not None:
        case["epochs"] = epochs
    return case


def plateau_metrics(kind):
    # A noisy curve that improves, stalls, improves again: enough plateaus to reduce many times.
    g = torch.Generator().manual_seed(5)
    noise = torch.rand(STEPS, generator=g, dtype=torch.float64).tolist()
    out = []
    for t in range(STEPS):
        trend = 1.0 / (1.0 + 0.01 * t) if (t // 150) % 2 == 0 else 1.0 / (1.0 + 0.01 * (t - t % 150))
        value = trend + 0.02 * noise[t]
        out.append(value if kind == "min" else 1.0 - value)
    return out


def cases():
    c = []
    # ---- StepLR, MultiStepLR, ExponentialLR ----
    c.append(run("step_100_half", "step:step_size=100,gamma=0.5", lambda o: S.StepLR(o, 100, 0.5)))
    c.append(run("step_7", "step:step_size=7,gamma=0.9", lambda o: S.StepLR(o, 7, 0.9)))
    c.append(run("step_default_gamma", "step:step_size=30", lambda o: S.StepLR(o, 30)))
    c.append(run("multistep", "multistep:milestones=100;300;300;700,gamma=0.5",
                 lambda o: S.MultiStepLR(o, [100, 300, 300, 700], 0.5)))
    c.append(run("multistep_default", "multistep:milestones=0;10;500", lambda o: S.MultiStepLR(o, [0, 10, 500])))
    c.append(run("exponential_995", "exponential:gamma=0.995", lambda o: S.ExponentialLR(o, 0.995)))
    c.append(run("exponential_9999", "exponential:gamma=0.9999", lambda o: S.ExponentialLR(o, 0.9999)))
    # ---- ConstantLR, LinearLR, PolynomialLR ----
    c.append(run("constant_default", "constant", lambda o: S.ConstantLR(o)))
    c.append(run("constant_half_40", "constant:factor=0.5,total_iters=40", lambda o: S.ConstantLR(o, 0.5, 40)))
    c.append(run("linear_warmup", "linear:start_factor=0.1,total_iters=200",
                 lambda o: S.LinearLR(o, start_factor=0.1, total_iters=200)))
    c.append(run("linear_decay", "linear:start_factor=1,end_factor=0.05,total_iters=500",
                 lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.05, total_iters=500)))
    c.append(run("polynomial_square", "polynomial:total_iters=600,power=2",
                 lambda o: S.PolynomialLR(o, total_iters=600, power=2.0)))
    c.append(run("polynomial_sqrt", "polynomial:total_iters=900,power=0.5",
                 lambda o: S.PolynomialLR(o, total_iters=900, power=0.5)))
    # ---- cosine ----
    c.append(run("cosine_past_tmax", "cosine:T_max=100,eta_min=1e-4",
                 lambda o: S.CosineAnnealingLR(o, T_max=100, eta_min=1e-4)))
    c.append(run("cosine_1000", "cosine:T_max=1000", lambda o: S.CosineAnnealingLR(o, T_max=1000)))
    c.append(run("cosine_37", "cosine:T_max=37,eta_min=0.001", lambda o: S.CosineAnnealingLR(o, T_max=37, eta_min=0.001)))
    c.append(run("restarts_tmult2", "cosine_restarts:T_0=50,T_mult=2,eta_min=1e-5",
                 lambda o: S.CosineAnnealingWarmRestarts(o, T_0=50, T_mult=2, eta_min=1e-5)))
    c.append(run("restarts_tmult1", "cosine_restarts:T_0=100", lambda o: S.CosineAnnealingWarmRestarts(o, T_0=100)))
    c.append(run("restarts_tmult3", "cosine_restarts:T_0=10,T_mult=3",
                 lambda o: S.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=3)))
    c.append(run("restarts_step_to", "cosine_restarts:T_0=10,T_mult=2",
                 lambda o: S.CosineAnnealingWarmRestarts(o, T_0=10, T_mult=2),
                 epochs=[(7 * e) % 1300 for e in range(1, STEPS + 1)]))
    # ---- CyclicLR ----
    c.append(run("cyclic_triangular", "cyclic:base_lr=0.01,max_lr=0.1,step_size_up=100",
                 lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=100), momentum_key="momentum"))
    c.append(run("cyclic_triangular2", "cyclic:base_lr=0.001;0.002,max_lr=0.1;0.05,step_size_up=80,step_size_down=50,mode=triangular2",
                 lambda o: S.CyclicLR(o, [0.001, 0.002], [0.1, 0.05], step_size_up=80, step_size_down=50, mode="triangular2"),
                 momentum_key="momentum"))
    c.append(run("cyclic_exp_range", "cyclic:base_lr=0.01,max_lr=0.2,step_size_up=60,mode=exp_range,gamma=0.998,base_momentum=0.7,max_momentum=0.95",
                 lambda o: S.CyclicLR(o, 0.01, 0.2, step_size_up=60, mode="exp_range", gamma=0.998,
                                      base_momentum=0.7, max_momentum=0.95), momentum_key="momentum"))
    c.append(run("cyclic_adam_no_momentum", "cyclic:base_lr=0.001,max_lr=0.006,step_size_up=33,cycle_momentum=0",
                 lambda o: S.CyclicLR(o, 0.001, 0.006, step_size_up=33, cycle_momentum=False), kind="adam"))
    # ---- OneCycleLR ----
    c.append(run("onecycle_cos", "onecycle:max_lr=0.5,total_steps=1000",
                 lambda o: S.OneCycleLR(o, max_lr=0.5, total_steps=1000), momentum_key="momentum"))
    c.append(run("onecycle_linear_three_phase", "onecycle:max_lr=0.5;0.2,total_steps=1000,anneal_strategy=linear,three_phase=1,pct_start=0.25",
                 lambda o: S.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=1000, anneal_strategy="linear",
                                        three_phase=True, pct_start=0.25), momentum_key="momentum"))
    c.append(run("onecycle_adam_beta1", "onecycle:max_lr=0.01,epochs=10,steps_per_epoch=100,div_factor=10,final_div_factor=100",
                 lambda o: S.OneCycleLR(o, max_lr=0.01, epochs=10, steps_per_epoch=100, div_factor=10.0,
                                        final_div_factor=100.0), kind="adam", momentum_key="beta1"))
    c.append(run("onecycle_cos_three_phase", "onecycle:max_lr=1,total_steps=1000,three_phase=1,base_momentum=0.8,max_momentum=0.9",
                 lambda o: S.OneCycleLR(o, max_lr=1.0, total_steps=1000, three_phase=True, base_momentum=0.8,
                                        max_momentum=0.9), momentum_key="momentum"))
    # ---- SWALR ----
    c.append(run("swa_cos", "swa:swa_lr=0.01,anneal_epochs=50", lambda o: SWALR(o, swa_lr=0.01, anneal_epochs=50)))
    c.append(run("swa_linear", "swa:swa_lr=0.05;0.002,anneal_epochs=300,anneal_strategy=linear",
                 lambda o: SWALR(o, swa_lr=[0.05, 0.002], anneal_epochs=300, anneal_strategy="linear")))
    c.append(run("swa_immediate", "swa:swa_lr=0.02,anneal_epochs=0", lambda o: SWALR(o, swa_lr=0.02, anneal_epochs=0)))
    # ---- ReduceLROnPlateau ----
    c.append(run("plateau_min_rel", "plateau:patience=5,factor=0.5",
                 lambda o: S.ReduceLROnPlateau(o, patience=5, factor=0.5), metrics=plateau_metrics("min")))
    c.append(run("plateau_max_abs_cooldown", "plateau:mode=max,threshold_mode=abs,threshold=0.001,patience=3,cooldown=4,factor=0.7,min_lr=0.001;0.002",
                 lambda o: S.ReduceLROnPlateau(o, mode="max", threshold_mode="abs", threshold=0.001, patience=3,
                                               cooldown=4, factor=0.7, min_lr=[0.001, 0.002]),
                 metrics=plateau_metrics("max")))
    c.append(run("plateau_eps", "plateau:patience=0,factor=0.9,eps=1e-3",
                 lambda o: S.ReduceLROnPlateau(o, patience=0, factor=0.9, eps=1e-3), metrics=plateau_metrics("min")))
    # ---- composition: SequentialLR (with its reset at milestones), ChainedScheduler ----
    c.append(run("sequential_linear_cosine", "linear:start_factor=0.1,total_iters=100+cosine:T_max=900",
                 lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=100),
                                              S.CosineAnnealingLR(o, T_max=900)], milestones=[100])))
    c.append(run("sequential_three", "constant:factor=0.5,total_iters=10,steps=50+exponential:gamma=0.99,steps=300+step:step_size=100",
                 lambda o: S.SequentialLR(o, [S.ConstantLR(o, factor=0.5, total_iters=10), S.ExponentialLR(o, 0.99),
                                              S.StepLR(o, 100)], milestones=[50, 350])))
    c.append(run("sequential_cosine_restart", "cosine:T_max=200,steps=300+cosine:T_max=200,eta_min=0.001",
                 lambda o: S.SequentialLR(o, [S.CosineAnnealingLR(o, T_max=200),
                                              S.CosineAnnealingLR(o, T_max=200, eta_min=0.001)], milestones=[300])))
    c.append(run("sequential_linear_constant", "linear:start_factor=0.2,total_iters=20+constant:factor=0.5,total_iters=100",
                 lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.2, total_iters=20),
                                              S.ConstantLR(o, factor=0.5, total_iters=100)], milestones=[20])))
    c.append(run("warmup_then_cosine", "warmup:steps=100+cosine:T_max=900",
                 lambda o: S.SequentialLR(o, [S.LambdaLR(o, lambda t: min(t, 100) / 100),
                                              S.CosineAnnealingLR(o, T_max=900)], milestones=[100])))
    c.append(run("chained_constant_exponential", "constant:factor=0.1,total_iters=20*exponential:gamma=0.995",
                 lambda o: S.ChainedScheduler([S.ConstantLR(o, factor=0.1, total_iters=20), S.ExponentialLR(o, 0.995)])))
    c.append(run("chained_linear_step_cosine", "linear:start_factor=0.25,total_iters=50*step:step_size=200,gamma=0.5*cosine:T_max=150",
                 lambda o: S.ChainedScheduler([S.LinearLR(o, start_factor=0.25, total_iters=50), S.StepLR(o, 200, 0.5),
                                               S.CosineAnnealingLR(o, T_max=150)])))
    # ---- callables (C++ API; the spec field names the test's lambda) ----
    c.append(run("lambda_power", "api:lambda_power", lambda o: S.LambdaLR(o, lambda t: 0.97 ** t)))
    c.append(run("lambda_per_group", "api:lambda_per_group",
                 lambda o: S.LambdaLR(o, [lambda t: 1.0 / (1.0 + t), lambda t: 0.5 ** (t // 100)])))
    c.append(run("multiplicative", "api:multiplicative", lambda o: S.MultiplicativeLR(o, lambda t: 0.995 if t % 2 else 1.0)))
    return c


def main():
    out = {"generator": "scripts/reference/gen_schedules.py", "torch": torch.__version__, "cases": cases()}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "reference", "schedules.json")
    with open(os.path.normpath(path), "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(out['cases'])} cases to {os.path.normpath(path)}", file=sys.stderr)


if __name__ == "__main__":
    main()
