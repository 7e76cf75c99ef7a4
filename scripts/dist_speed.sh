#!/usr/bin/env bash
# The speed figures of docs/distributed.md, "Measured here".
#
# 1. Compute per step: the process CPU seconds (user + system) of a one-thread run of STEPS
#    steps of 64 examples on the first STEPS x 64 MNIST training images (no dev set, 64 test
#    images), less those of the same run with --epochs 0 (start-up, data, the test), divided by
#    STEPS. CPU seconds are what a busy machine disturbs least: other jobs lengthen the wall
#    time, not the work this one does.
# 2. One MNIST epoch (batch 64) of the MLP 784-256-128-10 and of LeNet-5: one process with two
#    threads, and `mpirun -np 2` with one thread per rank, with one gradient bucket (25 MiB,
#    nothing overlaps) and with 0.1 MiB buckets (the sums of the last layers' gradients start
#    while backward goes on); wall and CPU seconds (all ranks), and the time the ranks waited
#    for the sums after backward (rank 0's last line).
#
# usage: scripts/dist_speed.sh [BUILD_DIR]   (default build/release; MNIST in data/mnist)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
descent=$(realpath "$build/descent")
mnist=$(realpath data/mnist)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
TIMEFORMAT='%R %U %S'

# seconds "real user sys" of a command, its output in $work/log
timed() { { time "$@" >"$work/log" 2>&1; } 2>&1 | tail -1; }
cpu() { awk '{printf "%.2f", $2 + $3}' <<<"$1"; }

# The first ROWS training images and 64 test images of MNIST as an IDX folder.
subset() { python3 scripts/mnist_subset.py "$mnist" "$1" "$2"; }

echo "## compute per step (one thread, batch 64, process CPU seconds)"
echo
echo "| model | steps | CPU s | start-up CPU s | per step |"
echo "|---|---|---|---|---|"
for entry in "mlp:256-128 400" "lenet5 400" "resnet20 40"; do
  read -r model steps <<<"$entry"
  subset "$work/data$steps" $((steps * 64))
  args=(train --data "$work/data$steps" --dev-size 0 --model "$model" --batch-size 64 --threads 1 --quiet
    --schedule constant --out "$work/run")
  run=$(cpu "$(timed "$descent" "${args[@]}" --epochs 1 --overwrite)")
  base=$(cpu "$(timed "$descent" "${args[@]}" --epochs 0 --overwrite)")
  awk -v m="$model" -v s="$steps" -v r="$run" -v b="$base" \
    'BEGIN {printf "| %s | %d | %.2f | %.2f | %.2f ms |\n", m, s, r, b, 1000 * (r - b) / s}'
done

echo
echo "## one MNIST epoch, batch 64 ($(date -u +%H:%M) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo
echo "| model | run | wall s | CPU s | waiting for the sums | test accuracy |"
echo "|---|---|---|---|---|---|"
for model in mlp:256-128 lenet5; do
  common=(train --model "$model" --epochs 1 --batch-size 64 --out "$work/run" --overwrite)
  report() {
    local seconds=$1 label=$2
    local accuracy waiting
    accuracy=$(grep -o 'test_acc *[0-9.]*%' "$work/log" | awk '{print $2}')
    waiting=$(grep -o '[0-9.]*s waiting for the sums ([0-9]*%' "$work/log" | sed 's/ waiting for the sums (/ (/;s/$/)/' || true)
    awk -v m="$model" -v l="$label" -v t="$seconds" -v w="${waiting:--}" -v a="$accuracy" \
      'BEGIN {split(t, s, " "); printf "| %s | %s | %.1f | %.1f | %s | %s |\n", m, l, s[1], s[2] + s[3], w, a}'
  }
  report "$(timed "$descent" "${common[@]}" --threads 2)" "one process, --threads 2"
  for bucket in 25 0.1; do
    report "$(timed mpirun -np 2 --oversubscribe --bind-to none "$descent" "${common[@]}" --threads 1 \
      --bucket-mb "$bucket")" "mpirun -np 2, --threads 1, --bucket-mb $bucket"
  done
done
