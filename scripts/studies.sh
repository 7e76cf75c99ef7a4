#!/usr/bin/env bash
# The lecture decks' convnet studies, shortened to fit a 2-core machine (each about 2 hours there;
# the settings are stated in each report), run one after the other. Every step resumes: run the
# script again after a kill or a reboot and it continues where it stopped. In the background:
#   nohup bash scripts/studies.sh > runs/studies.log 2>&1 &
# The full protocols (100 epochs, the 36-point grid, 10 seeds) are in docs/benchmark.md.
set -euo pipefail
cd "$(dirname "$0")/.."
descent=build/release/descent
[ -x "$descent" ] || { echo "build first: bash scripts/setup.sh" >&2; exit 1; }
mkdir -p runs

# A benchmark into DIR, or its continuation when DIR holds one.
benchmark() {
  local dir=$1
  shift
  if [ -f "$dir/benchmark.json" ]; then "$descent" benchmark --resume "$dir" --jobs 2 --quiet
  else "$descent" benchmark "$@" --jobs 2 --quiet --out "$dir"; fi
}

# A training run into DIR, continued from its newest checkpoint when it was killed.
train() {
  local dir=$1
  shift
  if [ -f "$dir/summary.json" ]; then return; fi
  if [ -d "$dir/checkpoints" ]; then "$descent" train --resume "$dir" --quiet
  else "$descent" train "$@" --quiet --out "$dir"; fi
}

# 1. Fashion-MNIST 2c2d across optimizers, beside DeepOBS's baselines (its report.md): 5 rates
#    instead of 36, 3 epochs of the first 10,000 examples instead of 100 of all, 3 seeds.
benchmark runs/study-2c2d --problem fmnist_2c2d --optimizer sgd --optimizer sgd:momentum=0.99 --optimizer adam \
  --lr-grid 1e-4:1:5 --epochs 3 --subset 10000 --seeds 3 --target dev_acc=0.85

# 2. Adam against SGD, and SWATS (Wilson et al. 2017; Keskar & Socher 2017): ResNet-20 on
#    Fashion-MNIST, 3 rates each, 3 epochs of the first 5,000 examples, 3 seeds. The report's
#    table has the final training loss and test accuracy; its curves the bands over seeds.
benchmark runs/study-adam-sgd --problem fmnist_resnet20 --optimizer sgd:momentum=0.9 --optimizer adam \
  --optimizer adamw --optimizer swats --lr-grid 1e-3:1e-1:3 --epochs 3 --subset 5000 --seeds 3

# 3. Loss landscapes with and without skip connections (Li et al. 2018, Fig. 5): resnet20 and
#    plain20 trained alike on Fashion-MNIST, then 2-D filter-normalized contour plots over the same
#    range (the colour levels follow each surface; compare the shapes and the values on the bars).
for model in resnet20 plain20; do
  train "runs/study-landscape-$model" --model "$model" --data fashion-mnist --epochs 5 --dropout 0 \
    --optimizer sgd:lr=0.1,momentum=0.9 --seed 1 --threads 2
  [ -f "runs/study-landscape-$model.svg" ] ||
    "$descent" landscape --weights "runs/study-landscape-$model/best.safetensors" --grid 21 --range -1,1 \
      --examples 2000 --title "$model on Fashion-MNIST" --out "runs/study-landscape-$model.svg"
done

# 4. The depth table as Nielsen ran it (sigmoid outputs with bce, --init nielsen, 3 seeds).
DEPTH_SETUP=nielsen bash scripts/depth_table.sh --threads 2 > runs/study-depth-nielsen.md
echo "studies done: runs/study-*"
