#!/usr/bin/env bash
# Builds the libFuzzer harnesses under fuzz/ with clang 14, AddressSanitizer and
# UndefinedBehaviorSanitizer (build/fuzz), then runs each, niced and one at a time, from its
# seed corpus fuzz/corpus/<name>/. New inputs go to build/fuzz/corpus/<name>/, crashes to
# build/fuzz/crashes/; a crashing input belongs in fuzz/corpus/<name>/ once fixed, where
# descent_tests_fuzz_replay replays it in every CI run.
#   bash scripts/fuzz.sh                       every harness for 60 s
#   bash scripts/fuzz.sh --time 300 csv idx    these two for 300 s each
#   bash scripts/fuzz.sh --runs 1000000        every harness for 10^6 executions
#   bash scripts/fuzz.sh --library build/release/libdescent.a ...
#       link the instrumented parsers with a library already built from this commit instead
#       of building the whole library with sanitizers (much faster; the parsers are still
#       instrumented, the ops and kernels they call are not)
set -euo pipefail
cd "$(dirname "$0")/.."
limit=(-max_total_time=60)
library=""
names=()
while (($#)); do
  case "$1" in
    --time) limit=(-max_total_time="$2"); shift 2 ;;
    --runs) limit=(-runs="$2"); shift 2 ;;
    --library) library="$(realpath "$2")"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) names+=("$1"); shift ;;
  esac
done
if ! command -v clang++-14 >/dev/null || ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  source scripts/deps.sh
  descent_install_deps clang-14 libclang-rt-14-dev
fi
((${#names[@]})) || names=($(ls fuzz/corpus))

cmake -S . -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" -DDESCENT_NATIVE=OFF -DDESCENT_BUILD_FUZZERS=ON \
  -DDESCENT_BUILD_TESTS=OFF -DDESCENT_BUILD_BENCHMARKS=OFF -DDESCENT_BUILD_CLI=OFF -DDESCENT_BUILD_EXAMPLES=OFF \
  -DDESCENT_FUZZ_LIBRARY="$library" >/dev/null
nice ninja -C build/fuzz -j"${DESCENT_FUZZ_JOBS:-2}" $(printf 'fuzz_%s ' "${names[@]}")

mkdir -p build/fuzz/crashes
for name in "${names[@]}"; do
  mkdir -p "build/fuzz/corpus/$name"
  echo "== fuzz_$name"
  nice build/fuzz/fuzz/"fuzz_$name" "${limit[@]}" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="build/fuzz/crashes/$name-" "build/fuzz/corpus/$name" "fuzz/corpus/$name" \
    2>&1 | tee "build/fuzz/fuzz_$name.log" | grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)|stat::number_of_executed_units|ERROR|SUMMARY' || true
done
