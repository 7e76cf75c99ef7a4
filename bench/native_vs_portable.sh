#!/usr/bin/env bash
# The portable build (the default: baseline x86-64 with AVX2 and AVX-512 loops chosen at run
# time, kernels/cpu_dispatch.hpp) beside a -march=native build, in one go: builds bench_core,
# bench_optim and bench_train both ways, runs the elementwise ops and sums, the optimizer steps
# and the MNIST epochs in each (the portable build also under DESCENT_CPU=avx2 and baseline,
# where this CPU has them), alternating the builds, and prints one Markdown table of the best
# time per benchmark and build. docs/performance.md ("Portable and native builds") shows it.
#
#   bench/native_vs_portable.sh
#   THREADS=2 REPETITIONS=5 bench/native_vs_portable.sh
#   PORTABLE_BUILD=build/release NATIVE_BUILD=build/native bench/native_vs_portable.sh
#
# Environment: BUILD (parent of the two build dirs, default build/compare), OUT (results,
# default $BUILD/results), THREADS (default 1), REPETITIONS (default 3), MIN_TIME (seconds per
# repetition, default 0.2), PRIORITY=realtime to run the measured programs under `chrt -f 10`
# (root only), as bench/run.sh does.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build/compare}
out=${OUT:-$build/results}
threads=${THREADS:-1}
repetitions=${REPETITIONS:-3}
min_time=${MIN_TIME:-0.2}
run=()
if [ "${PRIORITY:-}" = realtime ]; then run=(chrt -f 10); fi

# PORTABLE_BUILD and NATIVE_BUILD name builds that already hold the benchmarks (e.g. the presets'
# build/release and build/native): nothing is built then.
if [ -n "${PORTABLE_BUILD:-}" ] && [ -n "${NATIVE_BUILD:-}" ]; then
  mkdir -p "$build"
  ln -sfn "$(realpath "$PORTABLE_BUILD")" "$build/portable"
  ln -sfn "$(realpath "$NATIVE_BUILD")" "$build/native"
fi
for variant in portable native; do
  [ -L "$build/$variant" ] && continue
  native=OFF
  [ "$variant" = native ] && native=ON
  cmake -S "$root" -B "$build/$variant" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDESCENT_NATIVE=$native \
    -DDESCENT_BUILD_TESTS=OFF -DDESCENT_BUILD_EXAMPLES=OFF -DDESCENT_BUILD_CLI=OFF >/dev/null
  cmake --build "$build/$variant" --target bench_core bench_optim bench_train >/dev/null
done

# The levels this CPU runs, best first (DESCENT_CPU refuses one above the CPU's).
flags=" $(grep -m1 '^flags' /proc/cpuinfo) "
has() { for f in "$@"; do [[ $flags == *" $f "* ]] || return 1; done; }
levels=()
has avx512f avx512vl avx512bw avx512dq && levels+=(avx512)
has avx2 fma && levels+=(avx2)
levels+=(baseline)

[ -f "$root/data/mnist/train-images-idx3-ubyte" ] || [ -f "$root/data/mnist/train-images-idx3-ubyte.gz" ] ||
  bash "$root/scripts/fetch_mnist.sh"
mkdir -p "$out"
rm -f "$out"/*.json
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
echo "machine: $(nproc) cores, $cpu; load average $(cut -d' ' -f1-3 /proc/loadavg); levels: ${levels[*]}"
core="core/(add|mul|mul_scalar|relu|exp|sum_all|sum_dim0|sum_dim1|autograd_4op)/threads:$threads/"
optim="optim/(adam|adamw|sgd_momentum|adopt|adafactor|prodigy)/threads:$threads/"
cd "$root"  # bench_train reads data/mnist
for r in $(seq "$repetitions"); do
  for variant in native "${levels[@]}"; do
    dir=$build/portable env=(DESCENT_CPU="$variant")
    [ "$variant" = native ] && dir=$build/native env=()
    echo "== repetition $r: $variant" >&2
    for suite in core optim train; do
      filter=$core
      [ "$suite" = optim ] && filter=$optim
      [ "$suite" = train ] && filter="threads:$threads/"
      env "${env[@]}" OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" "${run[@]}" \
        "$dir/bench/bench_$suite" --benchmark_filter="$filter" --benchmark_min_time="$min_time" \
        --benchmark_out="$out/${variant}_${suite}_$r.json" --benchmark_out_format=json >/dev/null 2>&1
    done
  done
done

python3 - "$out" native "${levels[@]}" <<'PY'
import glob, json, sys

out, variants = sys.argv[1], sys.argv[2:]
UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
best = {}  # (benchmark, variant) -> seconds
order = []
for variant in variants:
    for path in sorted(glob.glob(f"{out}/{variant}_*.json")):
        for b in json.load(open(path))["benchmarks"]:
            if b.get("run_type", "iteration") != "iteration":
                continue
            name = b["name"].split("/threads:")[0]
            if name not in order:
                order.append(name)
            seconds = b["real_time"] * UNIT[b["time_unit"]]
            best[name, variant] = min(best.get((name, variant), float("inf")), seconds)

def fmt(s):
    return f"{s * 1e3:.3f} ms" if s < 1 else f"{s:.2f} s"

heads = ["native"] + [f"portable, {v}" for v in variants[1:]]
print("| benchmark | " + " | ".join(heads) + f" | portable ({variants[1]}) / native |")
print("|---" * (len(heads) + 2) + "|")
for name in order:
    cells = [fmt(best[name, v]) if (name, v) in best else "–" for v in variants]
    ratio = best.get((name, variants[1])), best.get((name, "native"))
    r = f"{ratio[0] / ratio[1]:.2f}" if all(ratio) else "–"
    print(f"| {name} | " + " | ".join(cells) + f" | {r} |")
PY
