#!/usr/bin/env bash
# Reruns the depth experiment of Nielsen's "Neural Networks and Deep Learning", ch. 5 (vanishing
# gradients): MNIST, sigmoid hidden layers of 30 units, 0 to 4 hidden layers, 30 epochs,
# minibatch 10, lr 0.1, L2 with lambda = 5 over n = 50,000 (--l2 1e-4), cross-entropy.
# Prints a Markdown table of test accuracy beside Nielsen's figures; runs go to runs/depth-*.
#
# DEPTH_SETUP=nielsen runs his own setup (network2.py) instead of descent's defaults: sigmoid
# output units with the per-unit cross-entropy on one-hot targets (--loss bce), weights
# N(0, 1/n_in) and biases N(0, 1) (--init nielsen), no dropout, a constant lr, and the mean over
# seeds 1 to 3. bce averages over the 10 output units where Nielsen's cost sums them, so lr and
# L2 are 10 times his (lr 1, --l2 1e-5 with lr 1 is his eta*lambda/n = 0.1 * 5/50,000 per step).
# Nielsen's figures for 1 to 4 hidden layers are 96.48 / 96.90 / 96.57 / 96.53 %; row 0 (the
# linear model) is not his: the slide's "about 88 %" is reported as descent measures it.
# DEPTH_PREFIX (the runs' folder prefix), DEPTH_SEEDS ("1 2 3") and DEPTH_EPOCHS (30) change the
# setup's defaults, e.g. for a quick check (scripts/studies.sh's STUDIES_QUICK).
# Usage: [DEPTH_SETUP=nielsen] bash scripts/depth_table.sh [extra descent train flags]
set -euo pipefail
cd "$(dirname "$0")/.."
descent=build/release/descent
[ -x "$descent" ] || { echo "build first: bash scripts/setup.sh" >&2; exit 1; }
nielsen=(88 96.48 96.90 96.57 96.53)
models=(linear mlp:30 mlp:30-30 mlp:30-30-30 mlp:30-30-30-30)
if [ "${DEPTH_SETUP:-}" = nielsen ]; then
  setup=(--loss bce --init nielsen --dropout 0 --schedule constant --optimizer sgd:lr=1 --l2 1e-5)
  read -ra seeds <<< "${DEPTH_SEEDS:-1 2 3}"
  prefix=${DEPTH_PREFIX:-runs/depth-nielsen}
else
  setup=(--optimizer sgd:lr=0.1 --l2 1e-4)
  read -ra seeds <<< "${DEPTH_SEEDS:-1}"
  prefix=${DEPTH_PREFIX:-runs/depth}
fi
echo "| hidden layers | model | Nielsen's test accuracy | descent's test accuracy (mean over seeds ${seeds[*]}) | seconds |"
echo "| --- | --- | --- | --- | --- |"
for i in 0 1 2 3 4; do
  summaries=()
  for seed in "${seeds[@]}"; do
    out=$prefix-$i-seed$seed
    [ ${#seeds[@]} -eq 1 ] && out=$prefix-$i
    [ -f "$out/summary.json" ] || "$descent" train --data mnist --model "${models[$i]}" --activation sigmoid \
      --epochs "${DEPTH_EPOCHS:-30}" --batch-size 10 \
      --dev-size 10000 --seed "$seed" --quiet --out "$out" "${setup[@]}" "$@"
    summaries+=("$out/summary.json")
  done
  /usr/bin/env python3 - "$i" "${models[$i]}" "${nielsen[$i]}" "${summaries[@]}" <<'PY'
import json, statistics, sys
runs = [json.load(open(path)) for path in sys.argv[4:]]
accs = [100 * r["test_acc"] for r in runs]
spread = f" ± {statistics.stdev(accs):.2f}" if len(accs) > 1 else ""
print(f"| {sys.argv[1]} | {sys.argv[2]} | ~{sys.argv[3]}% | {statistics.mean(accs):.2f}%{spread} | "
      f"{sum(r['seconds'] for r in runs):.0f} |")
PY
done
