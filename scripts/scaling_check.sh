#!/usr/bin/env bash
# Checks the scaling model of docs/distributed.md against this machine at N = 1, 2 and 4 ranks.
#
# The model: a step with N ranks takes C(B/N) + A(N), the compute of a rank's share of the
# global batch B plus the gradient sum. Here both parts are measured on their own and the sum
# is compared with the measured step:
#   - C(b): wall seconds per step of one process, one thread, batch b = 64, 32, 16 (B/N);
#   - A(N): the sum of the model's gradient bytes over N ranks alone (bench/bench_allreduce);
#   - the step: `mpirun -np N descent train --threads 1 --batch-size 64` per step.
# Each per-step time is a run of EPOCHS epochs over the first STEPS x 64 MNIST images, less the
# same run with --epochs 0 (start-up, loading, the test), divided by the steps taken.
# With more ranks than cores (N = 4 on 2 cores) the ranks take turns: the model's compute term
# is then C(B/N) x N / cores, and what the check says about a cluster is only the form.
#
# usage: scripts/scaling_check.sh [BUILD_DIR]   (default build/release; MNIST in data/mnist)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
descent=$(realpath "$build/descent")
allreduce=$(realpath "$build/bench/bench_allreduce")
mnist=$(realpath data/mnist)
cores=$(nproc)
steps=400
epochs=4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi=(mpirun --oversubscribe --bind-to none)

# The first STEPS x 64 training images and 64 test images of MNIST as an IDX folder.
python3 scripts/mnist_subset.py "$mnist" "$work/data" $((steps * 64))

# Wall seconds of a command (its output discarded).
wall() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

# Milliseconds per step of BATCH examples: LAUNCH... descent train --model MODEL, EPOCHS epochs
# of STEPS x 64 images less zero epochs, over the steps taken.
per_step_ms() {
  local model=$1 batch=$2
  local args=(train --data "$work/data" --dev-size 0 --threads 1 --quiet --schedule constant --out "$work/run"
    --overwrite --model "$model" --batch-size "$batch")
  local run base
  run=$(wall "${launch[@]}" "$descent" "${args[@]}" --epochs "$epochs")
  base=$(wall "${launch[@]}" "$descent" "${args[@]}" --epochs 0)
  echo "1000 * ($run - $base) / ($epochs * $steps * 64 / $batch)" | bc -l
}

# Microseconds of the sum of BYTES over N ranks, from bench_allreduce's median column.
sum_us() {
  local ranks=$1 bytes=$2
  awk -F'|' -v b="$bytes" '$3 + 0 == b {gsub(/ µs| /, "", $5); print $5}' "$work/allreduce-$ranks"
}

for ranks in 2 4; do "${mpi[@]}" -np "$ranks" "$allreduce" 50 >"$work/allreduce-$ranks"; done
echo "## the gradient sum alone ($(date -u +%H:%M) UTC, load average $(cut -d' ' -f1-3 /proc/loadavg))"
echo
cat "$work/allreduce-2"
tail -n +3 "$work/allreduce-4"
echo
echo "## the model against the measured step (one thread per rank, global batch 64, $cores cores)"
echo
echo "| model | N | C(64/N) | A(N) | model: C·max(1, N/cores) + A | measured step | measured / model |"
echo "|---|---|---|---|---|---|---|"
for entry in "mlp:256-128 940584" "lenet5 246824"; do
  read -r model bytes <<<"$entry"
  for ranks in 1 2 4; do
    launch=()
    compute=$(per_step_ms "$model" $((64 / ranks)))
    sum=0
    if [ "$ranks" -gt 1 ]; then
      sum=$(echo "$(sum_us "$ranks" "$bytes") / 1000" | bc -l)
      launch=("${mpi[@]}" -np "$ranks")
    fi
    measured=$(per_step_ms "$model" 64)
    awk -v m="$model" -v n="$ranks" -v c="$compute" -v a="$sum" -v t="$measured" -v k="$cores" 'BEGIN {
      share = n > k ? n / k : 1; predicted = c * share + a
      printf "| %s | %d | %.2f ms | %.3f ms | %.2f ms | %.2f ms | %.2f |\n", m, n, c, a, predicted, t, t / predicted }'
  done
done
