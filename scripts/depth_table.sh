#!/usr/bin/env bash
# Reruns the depth experiment of Nielsen's "Neural Networks and Deep Learning", ch. 5 (vanishing
# gradients): MNIST, sigmoid hidden layers of 30 units, 0 to 4 hidden layers, 30 epochs,
# minibatch 10, lr 0.1, L2 with lambda = 5 over n = 50,000 (--l2 1e-4), cross-entropy.
# Prints a Markdown table of test accuracy beside Nielsen's figures; runs go to runs/depth-*.
# Usage: bash scripts/depth_table.sh [extra descent train flags]
set -euo pipefail
cd "$(dirname "$0")/.."
descent=build/release/descent
[ -x "$descent" ] || { echo "build first: bash scripts/setup.sh" >&2; exit 1; }
nielsen=(88 96.5 96.9 96.5 96.5)
models=(linear mlp:30 mlp:30-30 mlp:30-30-30 mlp:30-30-30-30)
echo "| hidden layers | model | Nielsen's test accuracy | descent's test accuracy | best dev epoch | seconds |"
echo "| --- | --- | --- | --- | --- | --- |"
for i in 0 1 2 3 4; do
  out=runs/depth-$i
  "$descent" train --data mnist --model "${models[$i]}" --activation sigmoid --epochs 30 --batch-size 10 \
    --optimizer sgd:lr=0.1 --l2 1e-4 --dev-size 10000 --seed 1 --quiet --out "$out" "$@"
  /usr/bin/env python3 - "$out/summary.json" "$i" "${models[$i]}" "${nielsen[$i]}" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"| {sys.argv[2]} | {sys.argv[3]} | ~{sys.argv[4]}% | {100 * s['test_acc']:.2f}% | {s['best_epoch']} | {s['seconds']:.0f} |")
PY
done
