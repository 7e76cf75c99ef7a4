#!/usr/bin/python3
"""Reference trajectories, in float64 NumPy, of the optimizers PyTorch 1.13 lacks, for
tests/optim/test_reference.cpp (which replays tests/reference/optim_twins.json as it does
torch.optim's optim_trajectories.json).

Each twin is written from the paper and the implementation its optimizer follows:
  - adopt:     Taniguchi et al. (2024); optax.contrib._adopt.scale_by_adopt (update_fn)
               followed by scale_by_learning_rate, clipping at count**0.25;
  - adafactor: Shazeer & Stern (2018); torch.optim._adafactor._single_tensor_adafactor
               (PyTorch 2.5), factored over the last two dims;
  - prodigy:   Mishchenko & Defazio (2023); prodigyopt.Prodigy.step
               (github.com/konstmish/prodigy), growth_rate = inf, slice_p = 1;
  - muon:      Jordan et al. (2024); torch.optim._muon (PyTorch 2.9: _single_tensor_muon,
               _zeropower_via_newtonschulz in float64 rather than bfloat16, _adjust_lr), a
               convolution weight flattened to out × in·kH·kW as github.com/KellerJordan/Muon
               does, and torch.optim.AdamW (_single_tensor_adamw) for the other parameters;
  - sam:       Foret et al. (2021) Algorithm 1 with p = 2 (ε = ρ·g/‖g‖ over all parameters),
               around torch.optim's SGD and Adam (PyTorch 1.13, _single_tensor_sgd/_adam).
Problems: rosenbrock from (-1.2, 1); mlp, a 3-5-1 tanh MLP on fixed data (mean squared
error, gradients by hand); conv, a quadratic in a 4-D (2, 3, 2, 4) weight, as a
convolution filter bank (Adafactor factors it over its last two dims).

As gen_optim.py, every case also runs from a start perturbed by about one ulp, and only
steps where both runs agree to a tenth of the test's tolerance are recorded.

Run with Debian's Python:  /usr/bin/python3 scripts/reference/gen_optim_twins.py
"""
import json
import math
import re
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "reference", "optim_twins.json")
RECORD = [1, 2, 3, 5, 10, 20, 50, 100]
STEPS = 100
TOLERANCE = 1e-10  # as tests/optim/test_reference.cpp for float64
PERTURBATION = 1e-15


# ---------------------------------------------------------------- problems


def make_mlp():
    rng = np.random.default_rng(2024)
    x = rng.standard_normal((16, 3))
    y = np.sin(x.sum(axis=1, keepdims=True))
    params = [rng.standard_normal((5, 3)) * 0.5, rng.standard_normal(5) * 0.1,
              rng.standard_normal((1, 5)) * 0.5, rng.standard_normal(1) * 0.1]
    return {"x": x, "y": y, "params": params}


def mlp_grads(params, data):
    w1, b1, w2, b2 = params
    h = np.tanh(data["x"] @ w1.T + b1)
    out = h @ w2.T + b2
    dout = 2.0 * (out - data["y"]) / out.size
    dpre = (dout @ w2) * (1.0 - h * h)
    return [dpre.T @ data["x"], dpre.sum(axis=0), dout.T @ h, dout.sum(axis=0)]


def make_conv():
    rng = np.random.default_rng(7)
    shape = (2, 3, 2, 4)
    return {"a": rng.uniform(0.5, 2.0, shape), "b": rng.standard_normal(shape), "params": [rng.standard_normal(shape)]}


def conv_grads(params, data):  # f = Σ a·θ²/2 + b·θ
    return [data["a"] * params[0] + data["b"]]


def rosenbrock_grads(params, _):  # as src/descent/optim/test_functions.cpp
    x, y = params[0].reshape(-1)
    return [np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)]).reshape(params[0].shape)]


# ---------------------------------------------------------------- optimizers


def adopt(params, grad_fn, steps, lr=1e-3, betas=(0.9, 0.9999), eps=1e-6, weight_decay=0.0, nesterov=False):
    """optax.contrib.adopt: scale_by_adopt then scale_by_learning_rate; weight decay decoupled."""
    b1, b2 = betas
    mu = [np.zeros_like(p) for p in params]
    nu = [np.zeros_like(p) for p in params]
    for count in range(steps):
        grads = grad_fn(params)
        for i, (p, g) in enumerate(zip(params, grads)):
            p *= 1.0 - lr * weight_decay  # θ ← θ(1 − lr·λ) (AdamW's decoupled decay)
            if count == 0:  # b2_ = 0, b1_ = 1: nu ← g², mu unchanged, no step
                nu[i] = g * g
                continue
            clip = count ** 0.25
            u = np.clip(g / np.maximum(np.sqrt(nu[i]), eps), -clip, clip)
            mu[i] = (1 - b1) * u + b1 * mu[i]
            nu[i] = (1 - b2) * (g * g) + b2 * nu[i]
            update = (1 - b1) * u + b1 * mu[i] if nesterov else mu[i]
            p -= lr * update
        yield


def lerp(start, end, weight):  # torch.lerp's kernel
    return start + weight * (end - start) if weight < 0.5 else end - (end - start) * (1 - weight)


def adafactor(params, grad_fn, steps, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0,
              maximize=False):
    """torch.optim._adafactor._single_tensor_adafactor (PyTorch 2.5)."""
    eps1 = np.finfo(np.float64).eps if eps[0] is None else eps[0]
    eps2 = eps[1]
    state = [{} for _ in params]
    for t in range(1, steps + 1):
        grads = grad_fn(params)
        for p, g, st in zip(params, grads, state):
            g = -g if maximize else g
            one_minus_beta2 = t ** beta2_decay
            rho = min(lr, 1 / t ** 0.5)
            alpha = max(eps2, np.linalg.norm(p.reshape(-1)) / p.size ** 0.5) * rho
            if weight_decay != 0:
                p *= 1 - lr * weight_decay
            if g.ndim > 1:
                if not st:
                    st["row"] = np.zeros(g.shape[:-1] + (1,))
                    st["col"] = np.zeros(g.shape[:-2] + (1,) + g.shape[-1:])
                row_mean = np.sqrt((g * g).sum(axis=-1, keepdims=True)) ** 2 / g.shape[-1]
                st["row"] = lerp(st["row"], row_mean, one_minus_beta2)
                col_mean = np.sqrt((g * g).sum(axis=-2, keepdims=True)) ** 2 / g.shape[-2]
                st["col"] = lerp(st["col"], col_mean, one_minus_beta2)
                estimate = st["row"] @ st["col"]
                estimate = estimate / np.maximum(st["row"].mean(axis=-2, keepdims=True), eps1)
            else:
                st.setdefault("variance", np.zeros_like(g))
                st["variance"] = lerp(st["variance"], g * g, one_minus_beta2)
                estimate = st["variance"].copy()
            update = 1 / np.sqrt(np.maximum(estimate, eps1 * eps1)) * g
            denom = max(1.0, np.linalg.norm(update.reshape(-1)) / (update.size ** 0.5 * d))
            p += (-alpha / denom) * update
        yield


def prodigy(params, grad_fn, steps, lr=1.0, betas=(0.9, 0.999), beta3=None, eps=1e-8, weight_decay=0.0,
            decouple=True, use_bias_correction=False, safeguard_warmup=False, d0=1e-6, d_coef=1.0):
    """prodigyopt.Prodigy.step, one parameter group, growth_rate = inf."""
    beta1, beta2 = betas
    beta3 = math.sqrt(beta2) if beta3 is None else beta3
    d, d_max, d_numerator, k = d0, d0, 0.0, 0
    p0 = [p.copy() for p in params]
    exp_avg = [np.zeros_like(p) for p in params]
    exp_avg_sq = [np.zeros_like(p) for p in params]
    s = [np.zeros_like(p) for p in params]
    for _ in range(steps):
        grads = grad_fn(params)
        bias_correction = ((1 - beta2 ** (k + 1)) ** 0.5) / (1 - beta1 ** (k + 1)) if use_bias_correction else 1
        dlr = d * lr * bias_correction
        d_numerator *= beta3
        delta_numerator, d_denom = 0.0, 0.0
        for i, (p, g) in enumerate(zip(params, grads)):
            if weight_decay != 0 and not decouple:
                g = g + weight_decay * p
            delta_numerator += (d / d0) * dlr * float(np.dot(g.reshape(-1), (p0[i] - p).reshape(-1)))
            exp_avg[i] = exp_avg[i] * beta1 + (d * (1 - beta1)) * g
            exp_avg_sq[i] = exp_avg_sq[i] * beta2 + (d * d * (1 - beta2)) * g * g
            s[i] = s[i] * beta3 + ((d / d0) * (d if safeguard_warmup else dlr)) * g
            d_denom += float(np.abs(s[i]).sum())
        if d_denom == 0:
            yield
            continue
        d_numerator = d_numerator + delta_numerator
        d_hat = d_coef * d_numerator / d_denom
        if d == d0:
            d = max(d, d_hat)
        d_max = max(d_max, d_hat)
        d = min(d_max, d * math.inf)
        for i, p in enumerate(params):
            denom = np.sqrt(exp_avg_sq[i]) + d * eps
            if weight_decay != 0 and decouple:
                p += p * (-weight_decay * dlr)
            p += (-dlr) * (exp_avg[i] / denom)
        k += 1
        yield


def newton_schulz(update, coefficients, ns_steps, eps):
    """torch.optim._muon._zeropower_via_newtonschulz, in float64."""
    a, b, c = coefficients
    tall = update.shape[0] > update.shape[1]
    x = update.T if tall else update
    x = x / max(np.linalg.norm(x), eps)
    for _ in range(ns_steps):
        gram = x @ x.T
        gram_update = b * gram + c * gram @ gram
        x = a * x + gram_update @ x
    return x.T if tall else x


def muon(params, grad_fn, steps, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
         ns_coefficients=(3.4445, -4.7750, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None,
         adam_betas=(0.9, 0.999), adam_eps=1e-8, adam_weight_decay=0.0):
    """torch.optim.Muon for matrices (flattened from the second dim on), AdamW for the rest."""
    beta1, beta2 = adam_betas
    state = [{} for _ in params]
    for _ in range(steps):
        grads = grad_fn(params)
        for p, g, st in zip(params, grads, state):
            if p.ndim >= 2:
                buf = lerp(st.get("buf", np.zeros_like(p)), g, 1 - momentum)
                st["buf"] = buf
                update = lerp(g, buf, momentum) if nesterov else buf
                rows, cols = p.shape[0], p.size // p.shape[0]
                ortho = newton_schulz(update.reshape(rows, cols), ns_coefficients, ns_steps, eps)
                if adjust_lr_fn == "match_rms_adamw":
                    adjusted_lr = lr * (0.2 * math.sqrt(max(rows, cols)))
                else:
                    adjusted_lr = lr * math.sqrt(max(1, rows / cols))
                p *= 1 - lr * weight_decay
                p += -adjusted_lr * ortho.reshape(p.shape)
            else:
                st["t"] = st.get("t", 0) + 1
                p *= 1 - lr * adam_weight_decay
                st["m"] = st.get("m", np.zeros_like(p)) * beta1 + (1 - beta1) * g
                st["v"] = st.get("v", np.zeros_like(p)) * beta2 + (1 - beta2) * g * g
                denom = np.sqrt(st["v"]) / math.sqrt(1 - beta2 ** st["t"]) + adam_eps
                p += -(lr / (1 - beta1 ** st["t"])) * (st["m"] / denom)
        yield


def torch_sgd(lr, momentum=0.0):
    """torch.optim.SGD's _single_tensor_sgd (no dampening, weight decay or nesterov)."""
    buffers = {}

    def step(params, grads):
        for i, (p, g) in enumerate(zip(params, grads)):
            if momentum != 0:
                buffers[i] = g.copy() if i not in buffers else buffers[i] * momentum + g
                g = buffers[i]
            p += -lr * g
    return step


def torch_adam(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    """torch.optim.Adam's _single_tensor_adam (L2 weight decay, no amsgrad)."""
    beta1, beta2 = betas
    state = {"t": 0, "m": {}, "v": {}}

    def step(params, grads):
        state["t"] += 1
        t = state["t"]
        for i, (p, g) in enumerate(zip(params, grads)):
            if weight_decay != 0:
                g = g + weight_decay * p
            m = state["m"].get(i, np.zeros_like(p)) * beta1 + (1 - beta1) * g
            v = state["v"].get(i, np.zeros_like(p)) * beta2 + (1 - beta2) * g * g
            state["m"][i], state["v"][i] = m, v
            denom = np.sqrt(v) / math.sqrt(1 - beta2 ** t) + eps
            p += -(lr / (1 - beta1 ** t)) * (m / denom)
    return step


def sam(params, grad_fn, steps, inner, rho=0.05):
    """Foret et al. (2021) Algorithm 1: the inner step from θ with the gradient at θ + ρ·g/‖g‖."""
    for _ in range(steps):
        grads = grad_fn(params)
        norm = math.sqrt(sum(float((g * g).sum()) for g in grads))
        saved = [p.copy() for p in params]
        if norm != 0:
            for p, g in zip(params, grads):
                p += (rho / norm) * g
        perturbed = grad_fn(params)
        for p, old in zip(params, saved):
            p[...] = old
        inner(params, perturbed)
        yield


# ---------------------------------------------------------------- cases

TWINS = {"adopt": adopt, "adafactor": adafactor, "prodigy": prodigy, "sam": sam, "muon": muon}

# (our spec, twin keyword arguments, problems)
CONFIGS = [
    ("adopt:lr=0.01", dict(lr=0.01), ["rosenbrock", "mlp"]),
    ("adopt:lr=0.003,betas=0.8/0.99,eps=1e-8", dict(lr=0.003, betas=(0.8, 0.99), eps=1e-8), ["rosenbrock", "mlp"]),
    ("adopt:lr=0.01,nesterov=true,weight_decay=0.1", dict(lr=0.01, nesterov=True, weight_decay=0.1), ["mlp"]),
    ("adafactor", {}, ["rosenbrock", "mlp", "conv"]),
    ("adafactor:lr=0.1,beta2_decay=-0.5,eps=1e-30/1e-2,d=2,weight_decay=0.05",
     dict(lr=0.1, beta2_decay=-0.5, eps=(1e-30, 1e-2), d=2.0, weight_decay=0.05), ["rosenbrock", "mlp", "conv"]),
    ("adafactor:lr=0.05,maximize=true", dict(lr=0.05, maximize=True, maximize_objective=True), ["mlp"]),
    ("prodigy", {}, ["rosenbrock", "mlp", "conv"]),
    ("prodigy:lr=0.5,betas=0.8/0.99,beta3=0.9,d_coef=2,use_bias_correction=true",
     dict(lr=0.5, betas=(0.8, 0.99), beta3=0.9, d_coef=2.0, use_bias_correction=True), ["rosenbrock", "mlp"]),
    ("prodigy:weight_decay=0.01,safeguard_warmup=true", dict(weight_decay=0.01, safeguard_warmup=True), ["mlp"]),
    ("prodigy:weight_decay=0.01,decouple=false,d0=1e-4", dict(weight_decay=0.01, decouple=False, d0=1e-4),
     ["mlp"]),
    # Muon on Rosenbrock sees the point as a 1 × 2 matrix (as `descent trajectory` gives it).
    ("muon:lr=0.001,weight_decay=0", dict(lr=1e-3, weight_decay=0.0), ["rosenbrock"]),
    ("muon:lr=0.02", dict(lr=0.02), ["mlp", "conv"]),
    ("muon:lr=0.02,momentum=0.9,nesterov=false,weight_decay=0.01,adjust_lr_fn=match_rms_adamw",
     dict(lr=0.02, momentum=0.9, nesterov=False, weight_decay=0.01, adjust_lr_fn="match_rms_adamw"), ["mlp", "conv"]),
    ("muon:lr=0.01,ns_steps=3,ns_a=2,ns_b=-1.5,ns_c=0.5,eps=1e-5,adam_betas=0.8/0.99,adam_eps=1e-6,adam_weight_decay=0.1",
     dict(lr=0.01, ns_steps=3, ns_coefficients=(2.0, -1.5, 0.5), eps=1e-5, adam_betas=(0.8, 0.99), adam_eps=1e-6,
          adam_weight_decay=0.1), ["mlp"]),
    # SAM's inner optimizer is built per run (it keeps state).
    ("sam(sgd:lr=0.001,momentum=0.9)", dict(inner=lambda: torch_sgd(1e-3, 0.9)), ["rosenbrock"]),
    ("sam(sgd:lr=0.05,momentum=0.9):rho=0.1", dict(inner=lambda: torch_sgd(0.05, 0.9), rho=0.1), ["mlp", "conv"]),
    ("sam(adam:lr=0.01)", dict(inner=lambda: torch_adam(0.01)), ["rosenbrock", "mlp"]),
    ("sam(adam:lr=0.01,weight_decay=0.01):rho=0.2", dict(inner=lambda: torch_adam(0.01, weight_decay=0.01), rho=0.2),
     ["mlp"]),
]

SKIPPED = []


def trajectory_of(name, kwargs, problem, data, perturbation):
    kwargs = dict(kwargs)
    if "inner" in kwargs:
        kwargs["inner"] = kwargs["inner"]()
    sign = -1.0 if kwargs.pop("maximize_objective", False) else 1.0  # maximize −loss: the gradient negated
    if problem == "rosenbrock":
        params = [np.array([-1.2 * (1 + perturbation), 1.0])]
        if name == "muon":
            params[0] = params[0].reshape(1, 2)
        grad_fn = lambda ps: [sign * g for g in rosenbrock_grads(ps, None)]
    else:
        params = [p.copy() for p in data[problem]["params"]]
        params[0].reshape(-1)[0] *= 1 + perturbation
        grads = mlp_grads if problem == "mlp" else conv_grads
        grad_fn = lambda ps: [sign * g for g in grads(ps, data[problem])]
    initial = [p.copy() for p in params]
    trajectory = {}
    for t, _ in enumerate(TWINS[name](params, grad_fn, STEPS, **kwargs), start=1):
        if t in RECORD:
            flat = np.concatenate([p.reshape(-1) for p in params]).tolist()
            assert all(math.isfinite(v) for v in flat), (name, problem, t)
            trajectory[str(t)] = flat
    return initial, trajectory


def run(spec, kwargs, problem, data):
    maximize_objective = kwargs.get("maximize_objective", False)
    name = re.match(r"[a-z_]+", spec).group()
    initial, reference = trajectory_of(name, kwargs, problem, data, 0.0)
    _, perturbed = trajectory_of(name, kwargs, problem, data, PERTURBATION)
    kept = {}
    for step, values in reference.items():
        spread = max(abs(a - b) / max(abs(a), 1.0) for a, b in zip(values, perturbed[step]))
        if spread > TOLERANCE / 10:
            break
        kept[step] = values
    if "1" not in kept:
        SKIPPED.append(f"{spec} on {problem}: chaotic from the first step")
        return None
    if len(kept) < len(reference):
        print(f"{spec} on {problem}: recorded up to step {max(int(s) for s in kept)}")
    return {"spec": spec, "problem": problem, "dtype": "float64", "maximize_objective": maximize_objective, "groups": [],
            "initial": [p.reshape(-1).tolist() for p in initial], "shapes": [list(p.shape) for p in initial],
            "steps": STEPS, "trajectory": kept}


def main():
    data = {"mlp": make_mlp(), "conv": make_conv()}
    cases = [run(spec, kwargs, problem, data) for spec, kwargs, problems in CONFIGS for problem in problems]
    mlp, conv = data["mlp"], data["conv"]
    out = {
        "generator": "scripts/reference/gen_optim_twins.py (NumPy " + np.__version__ + ", float64)",
        "mlp": {"x": mlp["x"].reshape(-1).tolist(), "y": mlp["y"].reshape(-1).tolist(), "x_shape": list(mlp["x"].shape)},
        "conv": {"a": conv["a"].reshape(-1).tolist(), "b": conv["b"].reshape(-1).tolist()},
        "cases": [c for c in cases if c is not None],
        "skipped": SKIPPED,
    }
    with open(OUT, "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(f"wrote {len(out['cases'])} cases to {os.path.normpath(OUT)}; skipped: {SKIPPED}")


if __name__ == "__main__":
    main()
