#!/usr/bin/env bash
# Conv nets, descent beside PyTorch 1.13, in one run (the issue "Convolution at the machine's limit"):
#
#   bench/conv_epoch.sh       # the issue's table: full epochs, seeds 1 2 3, 1 and 2 threads (about an hour)
#   CONV_MODELS=lenet5_adam BENCH_CONV_EXAMPLES=2560 SEEDS=1 THREADS=1 bench/conv_epoch.sh   # a quick look
#
# Builds bench/bench_conv.cpp, then for each seed and thread count runs it and bench/conv_torch.py
# (the same models, data, batches and optimizers in PyTorch) as separate processes, alternating:
# one training epoch of each model (lenet5 on MNIST with Adam, batch 64; 2c2d and resnet20 on
# Fashion-MNIST with SGD momentum, batch 128; dropout 0.2 after the hidden fully connected layers
# on both sides, `descent train`'s default) and 2c2d's second convolution forward and backward.
# Then each model's peak memory over a few training steps, each side in a fresh process. Prints
# Markdown: per model the median over seeds of each side's best-of-threads epoch, the speed-up,
# the GFLOP/s each reaches (3 x 2 x multiply-adds x examples / seconds) beside cblas_sgemm's
# 1024^3 rate measured in this run at the same thread count, the issue's target and whether it
# is met; then the layer, the memory, and the same epochs in process CPU seconds (all threads),
# which a busy shared machine disturbs far less than wall time.
#
# Environment: BUILD (build dir, default build/bench), OUT (results, default
# $BUILD/results/conv), CONV_MODELS (default "lenet5_adam 2c2d_momentum resnet20_momentum"),
# SEEDS (default "1 2 3"), THREADS (default "1 2"), BENCH_CONV_EXAMPLES (the first N training
# images only; default all 55,000), PRIORITY=realtime to run the measured programs under
# `chrt -f 10` (root only), as bench/run.sh does.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build/bench}
out=${OUT:-$build/results/conv}
models=${CONV_MODELS:-lenet5_adam 2c2d_momentum resnet20_momentum}
seeds=${SEEDS:-1 2 3}
threads=${THREADS:-1 2}
export BENCH_CONV_EXAMPLES=${BENCH_CONV_EXAMPLES:-0}
torch_python=/usr/bin/python3  # Debian's python3-torch lives here, not in other pythons
run=()
if [ "${PRIORITY:-}" = realtime ]; then run=(chrt -f 10); fi
for m in $models; do
  case $m in
    lenet5_adam | 2c2d_momentum | resnet20_momentum) ;;
    *) echo "conv_epoch.sh: CONV_MODELS has '$m'; expected lenet5_adam, 2c2d_momentum or resnet20_momentum" >&2
       exit 2 ;;
  esac
done

[ -f "$root/data/mnist/train-images-idx3-ubyte" ] || [ -f "$root/data/mnist/train-images-idx3-ubyte.gz" ] ||
  bash "$root/scripts/fetch_mnist.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target bench_conv >/dev/null

mkdir -p "$out"
rm -f "$out"/*.json "$out/bench_conv.log"
log=$out/bench_conv.log
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
# OPENBLAS_CORETYPE picks OpenBLAS's kernels, for descent's sgemm and the rate measured beside it.
echo "machine: $(nproc) cores, $cpu; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}; load average before:" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
cd "$root"  # bench_conv finds data/mnist from here
# bench_conv's output goes to the log; on failure, its last lines say why.
descent() { "${run[@]}" "$build/bench/bench_conv" "$@" --benchmark_out_format=json >/dev/null 2>>"$log" || {
  tail -n 5 "$log" >&2
  exit 1
}; }
alternatives=$(echo "$models" | tr ' ' '|')
for seed in $seeds; do
  for t in $threads; do
    echo "== seed $seed, $t thread(s): descent, PyTorch" >&2
    BENCH_CONV_SEED=$seed OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t descent \
      --benchmark_filter="^(conv/($alternatives)|layer/conv2_fwd_bwd)/threads:$t/" \
      --benchmark_out="$out/descent_${t}_$seed.json"
    # shellcheck disable=SC2086  # $models is a list
    OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t "${run[@]}" "$torch_python" "$root/bench/conv_torch.py" --threads "$t" \
      --seed "$seed" --only $models layer --out "$out/torch_${t}_$seed.json"
  done
done
for m in $models; do
  echo "== peak memory of $m: descent, PyTorch" >&2
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 descent --benchmark_filter="^memory/$m/" \
    --benchmark_out="$out/descent_memory_$m.json"
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 "$torch_python" "$root/bench/conv_torch.py" --memory "$m" \
    --out "$out/torch_memory_$m.json"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

python3 "$root/bench/conv_table.py" "$out"
