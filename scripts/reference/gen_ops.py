#!/usr/bin/python3
"""Reference values for descent's ops, from PyTorch (Debian's python3-torch 1.13).

Writes tests/reference/ops.json: for every case, the inputs, torch's forward output and
the gradient of sum(output * grad_output) with respect to each input that requires grad,
computed in float64 and again in float32. Inputs are rounded to float32 first, so both
dtypes start from the same numbers. tests/ops/test_reference.cpp replays every case.

Run from the repository root:  /usr/bin/python3 scripts/reference/gen_ops.py
"""
import torch
import torch.nn.functional as F

from torch_cases import randn, record_case, rounded, write_reference

torch.manual_seed(2)
CASES = []


def positive(*shape):
    return rounded(torch.rand(shape, dtype=torch.float64) * 2.0 + 0.1)


def away_from(t, points, margin=1e-2):
    """Moves values within `margin` of a kink (where torch picks a subgradient) away from it."""
    t = t.clone()
    for p in points:
        near = (t - p).abs() < margin
        t = torch.where(near, p + margin * torch.sign(t - p + 1e-300), t)
    return rounded(t)


def case(name, op, inputs, params=None, grad=None, transpose=None):
    CASES.append(record_case(OPS, name, op, inputs, params, grad, transpose))


def reduce_sum(x, p):
    return x[0].sum() if "dims" not in p else x[0].sum(dim=p["dims"], keepdim=p.get("keepdim", False))


def reduce_mean(x, p):
    return x[0].mean() if "dims" not in p else x[0].mean(dim=p["dims"], keepdim=p.get("keepdim", False))


# How each op is called, by the names test_reference.cpp uses.
OPS = {
    "add": lambda x, p: x[0] + x[1],
    "sub": lambda x, p: x[0] - x[1],
    "mul": lambda x, p: x[0] * x[1],
    "div": lambda x, p: x[0] / x[1],
    "add_scalar": lambda x, p: x[0] + p["s"],
    "mul_scalar": lambda x, p: x[0] * p["s"],
    "rsub": lambda x, p: p["s"] - x[0],
    "rdiv": lambda x, p: p["s"] / x[0],
    "neg": lambda x, p: -x[0],
    "maximum": lambda x, p: torch.maximum(x[0], x[1]),
    "minimum": lambda x, p: torch.minimum(x[0], x[1]),
    "where": lambda x, p: torch.where(x[0] != 0, x[1], x[2]),
    "eq": lambda x, p: torch.eq(x[0], x[1]).to(x[0].dtype),
    "gt": lambda x, p: torch.gt(x[0], x[1]).to(x[0].dtype),
    "lt": lambda x, p: torch.lt(x[0], x[1]).to(x[0].dtype),
    "pow": lambda x, p: x[0].pow(p["exponent"]),
    "square": lambda x, p: torch.square(x[0]),
    "sqrt": lambda x, p: torch.sqrt(x[0]),
    "exp": lambda x, p: torch.exp(x[0]),
    "log": lambda x, p: torch.log(x[0]),
    "abs": lambda x, p: torch.abs(x[0]),
    "clamp": lambda x, p: torch.clamp(x[0], p.get("min"), p.get("max")),
    "sum": reduce_sum,
    "mean": reduce_mean,
    "max_all": lambda x, p: x[0].max(),
    "max_dim": lambda x, p: x[0].max(dim=p["dim"], keepdim=p.get("keepdim", False)).values,
    "min_dim": lambda x, p: x[0].min(dim=p["dim"], keepdim=p.get("keepdim", False)).values,
    "argmax": lambda x, p: x[0].argmax(dim=p["dim"], keepdim=p.get("keepdim", False)).to(torch.float64),
    "matmul": lambda x, p: torch.matmul(x[0], x[1]),
    "linear": lambda x, p: F.linear(x[0], x[1], x[2] if len(x) > 2 else None),
    "concat": lambda x, p: torch.cat(x, dim=p["dim"]),
    "stack": lambda x, p: torch.stack(x, dim=p["dim"]),
    "index_select": lambda x, p: torch.index_select(x[0], p["dim"], x[1].long()),
    "gather": lambda x, p: torch.gather(x[0], p["dim"], x[1].long()),
    "one_hot": lambda x, p: F.one_hot(x[0].long(), p["num_classes"]).to(torch.float64),
    "relu": lambda x, p: F.relu(x[0]),
    "leaky_relu": lambda x, p: F.leaky_relu(x[0], p["negative_slope"]),
    "sigmoid": lambda x, p: torch.sigmoid(x[0]),
    "tanh": lambda x, p: torch.tanh(x[0]),
    "gelu": lambda x, p: F.gelu(x[0], approximate=p["approximate"]),
    "softplus": lambda x, p: F.softplus(x[0], beta=p["beta"], threshold=p["threshold"]),
    "softmax": lambda x, p: torch.softmax(x[0], dim=p["dim"]),
    "log_softmax": lambda x, p: torch.log_softmax(x[0], dim=p["dim"]),
    "reshape": lambda x, p: x[0].reshape(p["shape"]),
    "transpose": lambda x, p: x[0].transpose(p["dim0"], p["dim1"]),
    "permute": lambda x, p: x[0].permute(p["dims"]),
    "expand": lambda x, p: x[0].expand(p["shape"]),
    "slice": lambda x, p: x[0].narrow(p["dim"], p["start"], p["length"]),
    "select": lambda x, p: x[0].select(p["dim"], p["index"]),
    "flatten": lambda x, p: x[0].flatten(p["start_dim"], p["end_dim"]),
    "unsqueeze": lambda x, p: x[0].unsqueeze(p["dim"]),
    "squeeze": lambda x, p: x[0].squeeze(p["dim"]),
}


def build():
    # ---- arithmetic, with broadcasting and non-contiguous operands
    case("add_same", "add", [randn(3, 4), randn(3, 4)])
    case("add_broadcast", "add", [randn(2, 3, 4), randn(4)])
    case("add_broadcast_both", "add", [randn(3, 1), randn(1, 4)])
    case("add_transposed", "add", [randn(4, 3), randn(3, 4)], transpose=[True, False])
    case("sub_broadcast", "sub", [randn(2, 1, 4), randn(3, 1)])
    case("mul_broadcast", "mul", [randn(2, 3, 4), randn(3, 1)])
    case("mul_scalar_tensor", "mul", [randn(3, 4), randn()])
    case("div_broadcast", "div", [randn(3, 4), positive(4)])
    case("div_transposed", "div", [randn(3, 4), positive(4, 3)], transpose=[False, True])
    case("add_scalar", "add_scalar", [randn(3, 4)], {"s": 2.5})
    case("mul_scalar", "mul_scalar", [randn(3, 4)], {"s": -1.75})
    case("rsub", "rsub", [randn(3, 4)], {"s": 3.0})
    case("rdiv", "rdiv", [positive(3, 4)], {"s": 2.0})
    case("neg", "neg", [randn(2, 5)])
    ties_a = rounded(torch.tensor([[1.0, 2.0, 3.0, -1.0], [0.5, 0.5, -2.0, 4.0]], dtype=torch.float64))
    ties_b = rounded(torch.tensor([[1.0, 0.0, 3.0, 2.0], [0.5, 1.0, -2.0, 0.0]], dtype=torch.float64))
    case("maximum_ties", "maximum", [ties_a, ties_b])
    case("minimum_ties", "minimum", [ties_a, ties_b])
    case("maximum_broadcast", "maximum", [randn(3, 4), randn(4)])
    case("minimum_broadcast", "minimum", [randn(2, 1, 3), randn(4, 1)])
    cond = (torch.rand(3, 4) > 0.5).to(torch.float64)
    case("where", "where", [cond, randn(3, 4), randn(3, 4)], grad=[False, True, True])
    for name in ("eq", "gt", "lt"):
        case(name, name, [ties_a, ties_b], grad=[False, False])
        case(name + "_broadcast", name, [ties_a, ties_b[0]], grad=[False, False])
    case("where_broadcast", "where", [cond[:, :1].clone(), randn(4), randn(3, 1)], grad=[False, True, True])

    # ---- elementwise math
    case("pow_2", "pow", [randn(3, 4)], {"exponent": 2.0})
    case("pow_3", "pow", [randn(3, 4)], {"exponent": 3.0})
    case("pow_half", "pow", [positive(3, 4)], {"exponent": 0.5})
    case("pow_neg", "pow", [positive(3, 4)], {"exponent": -1.5})
    case("pow_zero", "pow", [randn(2, 3)], {"exponent": 0.0})
    case("square", "square", [randn(3, 4)])
    case("sqrt", "sqrt", [positive(3, 4)])
    case("exp", "exp", [randn(3, 4)])
    case("log", "log", [positive(3, 4)])
    case("abs", "abs", [away_from(randn(3, 4), [0.0])])
    case("abs_zero", "abs", [rounded(torch.tensor([-1.0, 0.0, 2.0], dtype=torch.float64))])
    case("clamp_both", "clamp", [away_from(randn(4, 5), [-0.5, 0.5])], {"min": -0.5, "max": 0.5})
    case("clamp_min", "clamp", [away_from(randn(4, 5), [0.0])], {"min": 0.0})
    case("clamp_max", "clamp", [away_from(randn(4, 5), [0.25])], {"max": 0.25})
    case("clamp_at_bounds", "clamp", [rounded(torch.tensor([-1.0, -0.5, 0.0, 0.5, 1.0], dtype=torch.float64))],
         {"min": -0.5, "max": 0.5})

    # ---- reductions
    case("sum_all", "sum", [randn(3, 4, 5)])
    case("sum_dim0", "sum", [randn(3, 4, 5)], {"dims": [0]})
    case("sum_dims_keepdim", "sum", [randn(3, 4, 5)], {"dims": [0, 2], "keepdim": True})
    case("sum_last", "sum", [randn(3, 4, 5)], {"dims": [-1]})
    case("sum_middle_keepdim", "sum", [randn(3, 4, 5)], {"dims": [1], "keepdim": True})
    case("sum_transposed", "sum", [randn(5, 4)], {"dims": [1]}, transpose=[True])
    case("mean_all", "mean", [randn(3, 4)])
    case("mean_dims", "mean", [randn(2, 3, 4)], {"dims": [1, 2]})
    case("mean_keepdim", "mean", [randn(2, 3, 4)], {"dims": [0], "keepdim": True})
    max_ties = rounded(torch.tensor([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 1.0, 2.0], [-1.0, 3.0, 0.0, 3.0]],
                                    dtype=torch.float64))
    case("max_all", "max_all", [randn(3, 4)])
    case("max_all_ties", "max_all", [max_ties])
    case("max_dim1", "max_dim", [randn(3, 4)], {"dim": 1})
    case("max_dim0_keepdim", "max_dim", [randn(3, 4)], {"dim": 0, "keepdim": True})
    case("max_dim0_3d", "max_dim", [randn(2, 3, 4)], {"dim": 0})
    case("max_dim1_3d_keepdim", "max_dim", [randn(2, 3, 4)], {"dim": 1, "keepdim": True})
    case("max_dim_ties", "max_dim", [max_ties], {"dim": 1})
    case("min_dim1", "min_dim", [randn(3, 4)], {"dim": 1})
    case("min_dim0_3d", "min_dim", [randn(2, 3, 4)], {"dim": 0, "keepdim": True})
    case("min_dim_ties", "min_dim", [-max_ties], {"dim": 1})
    case("argmax_dim1", "argmax", [randn(3, 5)], {"dim": 1}, grad=[False])
    case("argmax_dim0_3d", "argmax", [randn(2, 3, 4)], {"dim": 0}, grad=[False])
    case("argmax_ties", "argmax", [max_ties], {"dim": 1, "keepdim": True}, grad=[False])

    # ---- matmul and linear
    case("matmul_1d_1d", "matmul", [randn(5), randn(5)])
    case("matmul_1d_2d", "matmul", [randn(4), randn(4, 3)])
    case("matmul_2d_1d", "matmul", [randn(3, 4), randn(4)])
    case("matmul_2d_2d", "matmul", [randn(3, 4), randn(4, 5)])
    case("matmul_2d_2d_transposed", "matmul", [randn(4, 3), randn(5, 4)], transpose=[True, True])
    case("matmul_batched", "matmul", [randn(2, 3, 4), randn(2, 4, 5)])
    case("matmul_batch_broadcast", "matmul", [randn(2, 1, 3, 4), randn(3, 4, 2)])
    case("matmul_batched_2d", "matmul", [randn(2, 3, 4), randn(4, 5)])
    case("matmul_2d_batched", "matmul", [randn(3, 4), randn(2, 4, 5)])
    case("matmul_1d_batched", "matmul", [randn(4), randn(2, 4, 3)])
    case("matmul_batched_1d", "matmul", [randn(2, 3, 4), randn(4)])
    case("matmul_batched_transposed", "matmul", [randn(2, 4, 3), randn(2, 4, 5)], transpose=[True, False])
    case("linear_bias", "linear", [randn(4, 3), randn(5, 3), randn(5)])
    case("linear_no_bias", "linear", [randn(4, 3), randn(5, 3)])
    case("linear_3d_input", "linear", [randn(2, 3, 4), randn(5, 4), randn(5)])
    case("linear_1d_input", "linear", [randn(4), randn(3, 4), randn(3)])
    case("linear_transposed_weight", "linear", [randn(4, 3), randn(3, 5), randn(5)], transpose=[False, True, False])

    # ---- concat, stack, indexing
    case("concat_dim0", "concat", [randn(2, 3), randn(4, 3)], {"dim": 0})
    case("concat_dim1", "concat", [randn(2, 3), randn(2, 1), randn(2, 2)], {"dim": 1})
    case("concat_neg_dim", "concat", [randn(2, 3, 2), randn(2, 3, 1)], {"dim": -1})
    case("stack_dim0", "stack", [randn(2, 3), randn(2, 3)], {"dim": 0})
    case("stack_last", "stack", [randn(2, 3), randn(2, 3), randn(2, 3)], {"dim": -1})
    case("index_select_dim0", "index_select", [randn(5, 3), torch.tensor([4.0, 0.0, 2.0, 0.0], dtype=torch.float64)],
         {"dim": 0}, grad=[True, False])
    case("index_select_dim1", "index_select", [randn(3, 4), torch.tensor([3.0, 3.0, 1.0], dtype=torch.float64)],
         {"dim": 1}, grad=[True, False])
    case("gather_dim1", "gather", [randn(3, 4), torch.tensor([[0.0, 3.0], [1.0, 1.0], [2.0, 0.0]],
                                                               dtype=torch.float64)],
         {"dim": 1}, grad=[True, False])
    case("gather_dim0", "gather", [randn(3, 4), torch.tensor([[2.0, 0.0, 1.0, 2.0], [0.0, 0.0, 2.0, 1.0]],
                                                               dtype=torch.float64)],
         {"dim": 0}, grad=[True, False])
    case("gather_3d", "gather", [randn(2, 3, 4), torch.randint(0, 3, (2, 2, 4)).to(torch.float64)],
         {"dim": 1}, grad=[True, False])
    case("one_hot", "one_hot", [torch.tensor([[0.0, 3.0], [2.0, 1.0]], dtype=torch.float64)],
         {"num_classes": 4}, grad=[False])

    # ---- activations
    case("relu", "relu", [away_from(randn(4, 5), [0.0])])
    case("relu_zero", "relu", [rounded(torch.tensor([-1.0, 0.0, 1.0], dtype=torch.float64))])
    case("leaky_relu", "leaky_relu", [away_from(randn(4, 5), [0.0])], {"negative_slope": 0.01})
    case("leaky_relu_slope", "leaky_relu", [away_from(randn(4, 5), [0.0])], {"negative_slope": 0.2})
    case("sigmoid", "sigmoid", [randn(4, 5, scale=3.0)])
    case("sigmoid_large", "sigmoid", [rounded(torch.tensor([-800.0, -40.0, 0.0, 40.0, 800.0], dtype=torch.float64))])
    case("tanh", "tanh", [randn(4, 5, scale=2.0)])
    case("gelu_none", "gelu", [randn(4, 5, scale=2.0)], {"approximate": "none"})
    case("gelu_tanh", "gelu", [randn(4, 5, scale=2.0)], {"approximate": "tanh"})
    case("softplus", "softplus", [randn(4, 5, scale=3.0)], {"beta": 1.0, "threshold": 20.0})
    case("softplus_beta_threshold", "softplus",
         [rounded(torch.tensor([-3.0, -0.5, 0.0, 0.7, 2.4, 2.6, 6.0, 30.0], dtype=torch.float64))],
         {"beta": 2.0, "threshold": 5.0})
    case("softplus_large", "softplus", [rounded(torch.tensor([-50.0, 19.0, 21.0, 100.0], dtype=torch.float64))],
         {"beta": 1.0, "threshold": 20.0})

    # ---- softmax
    case("softmax_last", "softmax", [randn(3, 5)], {"dim": -1})
    case("softmax_dim0", "softmax", [randn(3, 5)], {"dim": 0})
    case("softmax_3d_middle", "softmax", [randn(2, 3, 4)], {"dim": 1})
    case("softmax_large_logits", "softmax", [randn(3, 5, scale=1e4)], {"dim": -1})
    case("log_softmax_last", "log_softmax", [randn(3, 5)], {"dim": -1})
    case("log_softmax_dim0", "log_softmax", [randn(3, 5)], {"dim": 0})
    case("log_softmax_3d_first", "log_softmax", [randn(2, 3, 4)], {"dim": 0})
    case("log_softmax_large_logits", "log_softmax", [randn(4, 6, scale=1e4)], {"dim": 1})
    case("log_softmax_pm_1e4", "log_softmax",
         [rounded(torch.tensor([[1e4, -1e4, 0.0, 1e4 - 1.0], [-1e4, -1e4 + 2.0, -1e4 + 1.0, -1e4]],
                               dtype=torch.float64))], {"dim": 1})
    case("softmax_pm_1e4", "softmax",
         [rounded(torch.tensor([[1e4, -1e4, 0.0, 1e4 - 1.0], [-1e4, -1e4 + 2.0, -1e4 + 1.0, -1e4]],
                               dtype=torch.float64))], {"dim": 1})
    case("log_softmax_transposed", "log_softmax", [randn(5, 3)], {"dim": -1}, transpose=[True])

    # ---- views
    case("reshape", "reshape", [randn(2, 3, 4)], {"shape": [4, -1]})
    case("reshape_transposed", "reshape", [randn(4, 3)], {"shape": [12]}, transpose=[True])
    case("transpose", "transpose", [randn(2, 3, 4)], {"dim0": 0, "dim1": 2})
    case("permute", "permute", [randn(2, 3, 4)], {"dims": [2, 0, 1]})
    case("expand", "expand", [randn(3, 1)], {"shape": [2, 3, 4]})
    case("slice", "slice", [randn(5, 4)], {"dim": 0, "start": 1, "length": 3})
    case("select", "select", [randn(3, 4)], {"dim": 1, "index": 2})
    case("flatten", "flatten", [randn(2, 3, 4)], {"start_dim": 1, "end_dim": 2})
    case("unsqueeze", "unsqueeze", [randn(2, 3)], {"dim": 1})
    case("squeeze", "squeeze", [randn(2, 1, 3)], {"dim": 1})


def main():
    build()
    path = write_reference("ops.json", "scripts/reference/gen_ops.py", {"cases": CASES})
    print(f"wrote {len(CASES)} cases to {path}")


if __name__ == "__main__":
    main()
