#!/usr/bin/env bash
# Builds descent's benchmarks (Release) and runs each suite beside its PyTorch twin at 1 and
# 2 threads, in one go, then prints the side-by-side table (bench/compare.py) and writes it
# to $OUT/table.md. A suite NAME is bench/bench_NAME.cpp (Google Benchmark, parameterized
# over threads) plus, optionally, bench/NAME_torch.py (takes --threads N --out FILE).
#
#   bench/run.sh              # every suite that has a bench_*.cpp but conv (bench/conv_epoch.sh)
#   bench/run.sh core optim   # just these
#
# Environment: BUILD (build dir, default build/bench), OUT (results, default $BUILD/results),
# THREADS (default "1 2"), REPETITIONS (default 5), MIN_TIME (seconds per repetition, 0.1),
# PRIORITY=realtime to run the measured programs under `chrt -f 10` (root only): on a machine
# busy with other jobs, OpenMP threads that spin-wait for a thread queued behind those jobs
# turn a 1 ms op into tens of ms; at real-time priority both programs run as on an idle
# machine, for ~a minute, while the other jobs wait.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build/bench}
out=${OUT:-$build/results}
threads=${THREADS:-1 2}
repetitions=${REPETITIONS:-5}
min_time=${MIN_TIME:-0.1}
torch_python=/usr/bin/python3  # Debian's python3-torch lives here, not in other pythons
run=()
if [ "${PRIORITY:-}" = realtime ]; then run=(chrt -f 10); fi

if [ $# -gt 0 ]; then
  suites=("$@")
else
  suites=()
  for f in "$root"/bench/bench_*.cpp; do
    name=$(basename "$f" .cpp)
    [ "$name" = bench_conv ] && continue  # an hour of full epochs: bench/conv_epoch.sh, or `bench/run.sh conv`
    suites+=("${name#bench_}")
  done
fi

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
targets=()
for s in "${suites[@]}"; do targets+=("bench_$s"); done
cmake --build "$build" --target "${targets[@]}" -j"$(nproc)"

mkdir -p "$out"
rm -f "$out"/*.json
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "machine: $(nproc) cores, $cpu; load average $load"
echo "BLAS: $(ldd "$build/bench/bench_${suites[0]}" | grep -o '/[^ ]*libopenblas[^ ]*' || echo 'not found')"
for s in "${suites[@]}"; do
  # Thread counts outside $threads are filtered out; each benchmark's repetitions are
  # interleaved at random with the others', so slow spells of a shared machine spread out.
  filter="threads:($(echo "$threads" | tr ' ' '|'))/"
  echo "== $s: descent"
  "${run[@]}" "$build/bench/bench_$s" --benchmark_filter="$filter" --benchmark_repetitions="$repetitions" \
    --benchmark_enable_random_interleaving=true --benchmark_min_time="$min_time" \
    --benchmark_out="$out/$s.json" --benchmark_out_format=json >/dev/null
  if [ -f "$root/bench/${s}_torch.py" ]; then
    for t in $threads; do
      echo "== $s: PyTorch, $t thread(s)"
      # Torch's BLAS is OpenBLAS with its own thread pool: hold it to the same count.
      OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t "${run[@]}" "$torch_python" "$root/bench/${s}_torch.py" --threads "$t" \
        --repetitions "$repetitions" --min-time "$min_time" --out "$out/${s}_torch_$t.json"
    done
  fi
done

{
  echo "Measured $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores ($cpu), load average at start $load;" \
    "best of $repetitions repetitions of at least ${min_time} s${run:+, under ${run[*]}}."
  echo
  python3 "$root/bench/compare.py" "$out"/*.json
} | tee "$out/table.md"
echo "table written to $out/table.md"
