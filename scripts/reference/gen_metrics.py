#!/usr/bin/python3
"""Reference classification metrics and predictions from PyTorch 1.13, for tests/train.

Run with Debian's python3-torch:  /usr/bin/python3 scripts/reference/gen_metrics.py
Writes tests/reference/metrics.json: random float64 logits of 7 classes with labels in which the
last class never occurs, and what `descent eval` and `descent predict` must find for them:
torch.argmax predictions, top-k accuracy as torchvision's references count it
(output.topk(k).indices == target), the confusion matrix (rows true, columns predicted, by
torch.bincount), each class's recall and support, the softmax probabilities; and for
multi-label logits the sigmoid probabilities and the 0/1 predictions at a logit above 0.
Random float64 logits have no ties, where torch.topk's order is unspecified. Floats are
written with repr, so they round-trip exactly.
"""
import json
import math
import os

import torch

torch.manual_seed(20261207)
EXAMPLES, CLASSES, ABSENT = 200, 7, 6


def classification_case():
    logits = torch.randn(EXAMPLES, CLASSES, dtype=torch.float64) * 2
    labels = torch.randint(0, CLASSES - 1, (EXAMPLES,))  # class ABSENT never occurs
    # A model that is right more often than chance, so the diagonal is not flat.
    logits[torch.arange(EXAMPLES), labels] += 1.5
    predicted = logits.argmax(1)
    confusion = torch.bincount(labels * CLASSES + predicted, minlength=CLASSES * CLASSES).reshape(CLASSES, CLASSES)
    support = confusion.sum(1)
    recall = [confusion[c, c].item() / support[c].item() if support[c] > 0 else None for c in range(CLASSES)]
    top_k = {str(k): (logits.topk(k, 1).indices == labels[:, None]).any(1).sum().item() for k in (1, 2, 3, 5, 7)}
    return {
        "logits": {"shape": [EXAMPLES, CLASSES], "data": logits.flatten().tolist()},
        "labels": labels.tolist(),
        "predicted": predicted.tolist(),
        "accuracy": (predicted == labels).double().mean().item(),
        "top_k_correct": top_k,
        "confusion": confusion.tolist(),
        "support": support.tolist(),
        "recall": recall,
        "softmax": {"shape": [EXAMPLES, CLASSES], "data": torch.softmax(logits, 1).flatten().tolist()},
    }


def multilabel_case(examples=40, labels=3):
    logits = torch.randn(examples, labels, dtype=torch.float64) * 3
    targets = (torch.rand(examples, labels) < 0.5).double()
    return {
        "logits": {"shape": [examples, labels], "data": logits.flatten().tolist()},
        "labels": {"shape": [examples, labels], "data": targets.flatten().tolist()},
        "sigmoid": {"shape": [examples, labels], "data": torch.sigmoid(logits).flatten().tolist()},
        "predicted": (logits > 0).long().flatten().tolist(),
    }


def main():
    out = {
        "generator": "scripts/reference/gen_metrics.py",
        "torch": torch.__version__,
        "classification": classification_case(),
        "multilabel": multilabel_case(),
    }
    path = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "reference", "metrics.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
