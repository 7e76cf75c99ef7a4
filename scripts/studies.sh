#!/usr/bin/env bash
# The lecture decks' convnet studies, shortened to fit a 2-core machine (each about 2 hours there;
# the settings are stated in each report), run one after the other. Every step resumes: run the
# script again after a kill or a reboot and it continues where it stopped. In the background:
#   nohup bash scripts/studies.sh > runs/studies.log 2>&1 &
# The full protocols (100 epochs, the 36-point grid, 10 seeds) are in docs/benchmark.md.
#
# STUDIES_QUICK=1 runs every step on a tiny scale to check the pipeline end to end: small copies
# of Fashion-MNIST and MNIST (through DESCENT_DATA_DIR), the first 500 training examples in the
# benchmarks, 1 epoch, a 2-point grid, 2 seeds, a 5x5 landscape; everything goes to
# runs/quick-study-*, never mixed with real results. STUDIES_JOBS (benchmark runs at a time, default 2) and STUDIES_THREADS
# (threads of a training run, default 2) size it to the machine; quick mode defaults both to 1.
# Where each study's tables and figures land is written to runs/[quick-]study-index.md.
set -euo pipefail
cd "$(dirname "$0")/.."
descent=build/release/descent
[ -x "$descent" ] || { echo "build first: bash scripts/setup.sh" >&2; exit 1; }
mkdir -p runs

quick=${STUDIES_QUICK:-0}
if [ "$quick" = 1 ]; then
  prefix=runs/quick-study
  jobs=${STUDIES_JOBS:-1} threads=${STUDIES_THREADS:-1}
  short=(--lr-grid 1e-3:1e-1:2 --epochs 1 --subset 500 --seeds 2)  # every benchmark
  adam_sgd=("${short[@]}")
  deepobs=("${short[@]}" --target dev_acc=0.5)
  landscape_train=(--epochs 1) landscape_plot=(--grid 5 --examples 200)
else
  prefix=runs/study
  jobs=${STUDIES_JOBS:-2} threads=${STUDIES_THREADS:-2}
  adam_sgd=(--lr-grid 1e-3:1e-1:3 --epochs 3 --subset 5000 --seeds 3)
  deepobs=(--lr-grid 1e-4:1:5 --epochs 3 --subset 10000 --seeds 3 --target dev_acc=0.85)
  landscape_train=(--epochs 5) landscape_plot=(--grid 21 --examples 2000)
fi
index=$prefix-index.md

# A benchmark into DIR, or its continuation when DIR holds one.
benchmark() {
  local dir=$1
  shift
  if [ -f "$dir/benchmark.json" ]; then "$descent" benchmark --resume "$dir" --jobs "$jobs" --quiet
  else "$descent" benchmark "$@" --jobs "$jobs" --quiet --out "$dir"; fi
}

# A training run into DIR, continued from its newest checkpoint when it was killed.
train() {
  local dir=$1
  shift
  if [ -f "$dir/summary.json" ]; then return; fi
  if [ -d "$dir/checkpoints" ]; then "$descent" train --resume "$dir" --quiet
  else "$descent" train "$@" --quiet --out "$dir"; fi
}

# In quick mode, a copy of an IDX data set with its first N training and M test examples.
small_copy() {
  local from=$1 to=$2 train=$3 test=$4
  [ -f "$to/t10k-labels-idx1-ubyte" ] && return
  mkdir -p "$to"
  /usr/bin/env python3 - "$from" "$to" "$train" "$test" <<'PY'
import gzip, os, struct, sys
source, target, sizes = sys.argv[1], sys.argv[2], {"train": int(sys.argv[3]), "t10k": int(sys.argv[4])}
for part, n in sizes.items():
    for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
        name = f"{part}-{kind}"
        path = os.path.join(source, name)
        data = open(path, "rb").read() if os.path.exists(path) else gzip.open(path + ".gz", "rb").read()
        dims = data[3]
        shape = list(struct.unpack(f">{dims}I", data[4:4 + 4 * dims]))
        item = 1
        for d in shape[1:]:
            item *= d
        shape[0] = min(n, shape[0])
        body = data[4 + 4 * dims:4 + 4 * dims + shape[0] * item]
        with open(os.path.join(target, name), "wb") as out:
            out.write(data[:4] + struct.pack(f">{dims}I", *shape) + body)
PY
}

# Lists a study's outputs (those that exist) in the index, for docs/studies.md.
record() {
  local title=$1
  shift
  {
    echo "## $title"
    echo
    for f in "$@"; do [ -e "$f" ] && echo "- \`$f\`"; done
    echo
  } >> "$index"
  echo "$title: $*"
}

echo "# Studies ($([ "$quick" = 1 ] && echo "quick check, not results" || echo "shortened protocols"))" > "$index"
echo >> "$index"
if [ "$quick" = 1 ]; then
  # Small copies that every step reads in place of the data sets: Fashion-MNIST's first 2,000
  # training (a tenth of them the dev set) and 500 test examples; MNIST's first 12,000 (the depth
  # table keeps 10,000 as its dev set) and 500.
  small_copy /usr/share/datasets/fashion-mnist "$prefix-data/fashion-mnist" 2000 500
  small_copy "${DESCENT_DATA_DIR:-data}/mnist" "$prefix-data/mnist" 12000 500
  export DESCENT_DATA_DIR=$PWD/$prefix-data
fi

# 1. Fashion-MNIST 2c2d across optimizers, beside DeepOBS's baselines (its report.md): 5 rates
#    instead of 36, 3 epochs of the first 10,000 examples instead of 100 of all, 3 seeds.
benchmark "$prefix-2c2d" --problem fmnist_2c2d --optimizer sgd --optimizer sgd:momentum=0.99 --optimizer adam \
  "${deepobs[@]}"
record "1. fmnist_2c2d across optimizers, beside DeepOBS" "$prefix-2c2d/report.md" "$prefix-2c2d"/*.svg

# 2. Adam against SGD, and SWATS (Wilson et al. 2017; Keskar & Socher 2017): ResNet-20 on
#    Fashion-MNIST, 3 rates each, 3 epochs of the first 5,000 examples, 3 seeds. The report's
#    table has the final training loss and test accuracy; its curves the bands over seeds.
benchmark "$prefix-adam-sgd" --problem fmnist_resnet20 --optimizer sgd:momentum=0.9 --optimizer adam \
  --optimizer adamw --optimizer swats "${adam_sgd[@]}"
record "2. Adam against SGD and SWATS on ResNet-20" "$prefix-adam-sgd/report.md" "$prefix-adam-sgd"/*.svg

# 3. Loss landscapes with and without skip connections (Li et al. 2018, Fig. 5): resnet20 and
#    plain20 trained alike on Fashion-MNIST, then 2-D filter-normalized contour plots over the same
#    range (the colour levels follow each surface; compare the shapes and the values on the bars).
for model in resnet20 plain20; do
  train "$prefix-landscape-$model" --model "$model" --data fashion-mnist "${landscape_train[@]}" --dropout 0 \
    --optimizer sgd:lr=0.1,momentum=0.9 --seed 1 --threads "$threads"
  [ -f "$prefix-landscape-$model.svg" ] ||
    "$descent" landscape --weights "$prefix-landscape-$model/best.safetensors" "${landscape_plot[@]}" --range -1,1 \
      --threads "$threads" --title "$model on Fashion-MNIST" --out "$prefix-landscape-$model.svg"
done
record "3. Loss landscapes of resnet20 and plain20" "$prefix-landscape-resnet20.svg" "$prefix-landscape-plain20.svg" \
  "$prefix-landscape-resnet20/summary.json" "$prefix-landscape-plain20/summary.json"

# 4. The depth table as Nielsen ran it (sigmoid outputs with bce, --init nielsen, 3 seeds).
if [ "$quick" = 1 ]; then
  DEPTH_SETUP=nielsen DEPTH_PREFIX=$prefix-depth-nielsen DEPTH_SEEDS="1 2" DEPTH_EPOCHS=1 \
    bash scripts/depth_table.sh --threads "$threads" > "$prefix-depth-nielsen.md"
else
  DEPTH_SETUP=nielsen bash scripts/depth_table.sh --threads "$threads" > "$prefix-depth-nielsen.md"
fi
record "4. Nielsen's depth table" "$prefix-depth-nielsen.md"
echo "studies done: $prefix-*; where the tables and figures are: $index"
