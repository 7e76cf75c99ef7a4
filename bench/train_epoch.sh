#!/usr/bin/env bash
# One MNIST training epoch, descent beside PyTorch 1.13 (issue 3, "Speed"), in one go: builds
# bench/bench_train.cpp (descent's fit() loop), then for each thread count runs it and
# bench/train_torch.py (the same epochs in PyTorch) as separate processes, alternating, and
# prints a Markdown table: the best epoch of each side per thread count (wall seconds), the
# best over thread counts, the speed ratio and the issue's target; then the same in process
# CPU seconds (all threads), which a busy shared machine disturbs far less than wall time. Only the epoch loop is timed on both sides
# (data already in memory as float32; no dev evaluation).
#
#   bench/train_epoch.sh                 # 1 and 2 threads, best of 3 epochs each
#   THREADS=1 REPETITIONS=1 bench/train_epoch.sh
#
# Environment: BUILD (build dir, default build/bench), OUT (results, default
# $BUILD/results/train), THREADS (default "1 2"), REPETITIONS (epochs per side and thread
# count, default 3). The machine's load average is printed before and after: on a shared
# machine a busy spell inflates wall times (most at 2 threads, where OpenMP and OpenBLAS
# threads wait on each other). PRIORITY=realtime runs the measured programs under
# `chrt -f 10` (root only), as bench/run.sh does, so other jobs wait rather than share cores.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build/bench}
out=${OUT:-$build/results/train}
threads=${THREADS:-1 2}
repetitions=${REPETITIONS:-3}
torch_python=/usr/bin/python3  # Debian's python3-torch lives here, not in other pythons
run=()
if [ "${PRIORITY:-}" = realtime ]; then run=(chrt -f 10); fi

[ -f "$root/data/mnist/train-images-idx3-ubyte" ] || [ -f "$root/data/mnist/train-images-idx3-ubyte.gz" ] ||
  bash "$root/scripts/fetch_mnist.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target bench_train >/dev/null

mkdir -p "$out"
rm -f "$out"/*.json "$out/bench_train.log"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
echo "machine: $(nproc) cores, $cpu; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
cd "$root"  # bench_train reads data/mnist
for r in $(seq "$repetitions"); do
  for t in $threads; do
    echo "== repetition $r, $t thread(s): descent, PyTorch" >&2
    OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t "${run[@]}" "$build/bench/bench_train" --benchmark_filter="threads:$t/" \
      --benchmark_out="$out/descent_${t}_$r.json" --benchmark_out_format=json >/dev/null 2>>"$out/bench_train.log"
    OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t "${run[@]}" "$torch_python" "$root/bench/train_torch.py" --threads "$t" \
      --out "$out/torch_${t}_$r.json"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$out" $threads <<'EOF'
import glob, json, re, sys

out, threads = sys.argv[1], [int(t) for t in sys.argv[2:]]
LABELS = {"mlp_256_128_adam": ("784-256-128-10 ReLU, Adam, batch 64", "≥ 2.4× PyTorch"),
          "mlp_30_sgd": ("784-30-10 sigmoid, SGD, batch 10", "≥ 10× PyTorch"),
          "mlp_1024_momentum": ("784-1024-1024-10 ReLU, SGD momentum, batch 128", "≤ 5.0 s")}
UNIT = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
best = {}  # (side, config, threads) -> (seconds, steps)
cpu = {}   # (side, config, threads) -> process CPU seconds
for path in glob.glob(f"{out}/*.json"):
    side = "torch" if path.split("/")[-1].startswith("torch") else "descent"
    for b in json.load(open(path))["benchmarks"]:
        m = re.match(r"train/(\w+)/threads:(\d+)/", b["name"])
        if not m or b.get("run_type", "iteration") != "iteration":
            continue
        key = (side, m[1], int(m[2]))
        seconds = b["real_time"] * UNIT[b["time_unit"]]
        if key not in best or seconds < best[key][0]:
            best[key] = (seconds, b["steps"])
        cpu[key] = min(cpu.get(key, float("inf")), b["cpu_time"] * UNIT[b["time_unit"]])

def cell(side, name, t):
    v = best.get((side, name, t))
    return f"{v[0]:.2f} s" if v else "–"

head = " | ".join(f"descent {t}T | PyTorch {t}T" for t in threads)
print(f"| epoch (55,000 images) | {head} | descent best | PyTorch best | speed-up | µs per step | target | met |")
print("|---" * (2 * len(threads) + 7) + "|")
for name, (label, target) in LABELS.items():
    d = [best[("descent", name, t)] for t in threads if ("descent", name, t) in best]
    p = [best[("torch", name, t)][0] for t in threads if ("torch", name, t) in best]
    if not d or not p:
        continue
    ds, steps = min(d)
    ps = min(p)
    ratio = ps / ds
    met = ratio >= 2.4 if "2.4" in target else ratio >= 10 if "10×" in target else ds <= 5.0
    cells = " | ".join(f"{cell('descent', name, t)} | {cell('torch', name, t)}" for t in threads)
    print(f"| {label} | {cells} | {ds:.2f} s | {ps:.2f} s | {ratio:.1f}× | {1e6 * ds / steps:.0f} | {target} | "
          f"{'yes' if met else 'no'} |")

print()
print("Process CPU seconds (all threads), best epoch:")
print()
head = " | ".join(f"descent {t}T | PyTorch {t}T" for t in threads)
print(f"| epoch (CPU time) | {head} | descent best | PyTorch best | ratio | µs per step |")
print("|---" * (2 * len(threads) + 5) + "|")
for name, (label, target) in LABELS.items():
    d = [cpu[("descent", name, t)] for t in threads if ("descent", name, t) in cpu]
    p = [cpu[("torch", name, t)] for t in threads if ("torch", name, t) in cpu]
    if not d or not p:
        continue
    steps = best[("descent", name, threads[0])][1]
    cells = " | ".join(f"{cpu.get(('descent', name, t), float('nan')):.2f} s | {cpu.get(('torch', name, t), float('nan')):.2f} s"
                       for t in threads)
    print(f"| {label} | {cells} | {min(d):.2f} s | {min(p):.2f} s | {min(p) / min(d):.1f}× | {1e6 * min(d) / steps:.0f} |")
EOF
