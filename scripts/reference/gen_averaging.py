"""Reference values for descent's weight averaging, from torch.optim.swa_utils (PyTorch 1.13).

Run: /usr/bin/python3 scripts/reference/gen_averaging.py > tests/reference/averaging.json
A small net with batch norm (Linear(3, 4), BatchNorm1d(4), ReLU, Linear(4, 2)) in float64 takes
a sequence of random states (parameters and buffers); after each, AveragedModel.update_parameters
runs for:
  - swa: the default equal average;
  - ema: decay 0.9 through a custom avg_fn, decay * a + (1 - decay) * p (PyTorch 1.13 has no EMA
    helper; torch 2.x's get_ema_avg_fn is this same formula);
  - ema_buffers: the same with use_buffers=True (running statistics averaged too).
Then update_bn recomputes the swa average's batch-norm statistics over three batches (5, 5, 3
rows), and the eval-mode output on a probe input is recorded.
"""
import copy
import json

import torch
from torch.optim.swa_utils import AveragedModel, update_bn

torch.manual_seed(18)
torch.set_default_dtype(torch.float64)


def tensors(state):
    return {k: {"shape": list(v.shape), "data": v.double().reshape(-1).tolist()} for k, v in state.items()}


def net():
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(), torch.nn.Linear(4, 2))


def random_state(model):
    """Every parameter and floating buffer replaced by random values (variances positive)."""
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if name.endswith("running_var"):
                t.copy_(torch.rand(t.shape) + 0.5)
            elif t.is_floating_point():
                t.copy_(torch.randn(t.shape))


def main():
    model = net()
    random_state(model)
    initial = copy.deepcopy(model.state_dict())
    decay = 0.9

    def ema_avg(averaged, current, num_averaged):
        return decay * averaged + (1 - decay) * current

    averages = {
        "swa": AveragedModel(model),
        "ema": AveragedModel(model, avg_fn=ema_avg),
        "ema_buffers": AveragedModel(model, avg_fn=ema_avg, use_buffers=True),
    }
    updates = []
    for _ in range(4):
        random_state(model)
        row = {"model": tensors(model.state_dict())}
        for name, avg in averages.items():
            avg.update_parameters(model)
            row[name] = tensors(avg.module.state_dict())
        updates.append(row)

    swa = averages["swa"].module
    batches = [torch.randn(5, 3), torch.randn(5, 3), torch.randn(3, 3)]
    update_bn(batches, averages["swa"])
    probe = torch.randn(6, 3)
    swa.eval()
    with torch.no_grad():
        out = swa(probe)
    print(json.dumps({
        "decay": decay,
        "initial": tensors(initial),
        "updates": updates,
        "update_bn": {
            "batches": [tensors({"x": b})["x"] for b in batches],
            "state": tensors(swa.state_dict()),
            "probe": tensors({"x": probe})["x"],
            "output": tensors({"y": out})["y"],
        },
    }))


if __name__ == "__main__":
    main()
