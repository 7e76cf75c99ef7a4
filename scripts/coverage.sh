#!/usr/bin/env bash
# Line and branch coverage of src/descent by the test suite, with Debian's gcovr: a separate
# build in build/coverage (--coverage -O0), the whole ctest run, then one row per src/descent/*
# folder and the files under 90 % of lines. CI does not run it (a cold build and run take about
# half an hour on two cores); docs/testing.md keeps the last figures.
#   bash scripts/coverage.sh            build, test, report
#   bash scripts/coverage.sh --report   report on the counters the last run left
# Branch figures leave out the branches the compiler adds for exceptions (--exclude-throw-branches)
# and those it can prove unreachable: what remains are the branches of the source.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
descent_install_deps gcovr
build=build/coverage
if [ "${1:-}" != "--report" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="--coverage -O0" \
    -DCMAKE_EXE_LINKER_FLAGS=--coverage -DCMAKE_SHARED_LINKER_FLAGS=--coverage \
    -DDESCENT_BUILD_BENCHMARKS=OFF -DDESCENT_BUILD_EXAMPLES=OFF >/dev/null
  cmake --build "$build"
  find "$build" -name '*.gcda' -delete
  ctest --test-dir "$build" -j "$(nproc)" --output-on-failure --timeout 1800 ||
    echo "coverage: some tests failed; the figures cover what ran" >&2
fi
gcovr --root . --object-directory "$build" --filter 'src/descent/' --exclude-throw-branches \
  --exclude-unreachable-branches -j "$(nproc)" --json-summary "$build/coverage.json" >/dev/null
/usr/bin/python3 - "$build/coverage.json" <<'PY'
import collections, json, sys

files = json.load(open(sys.argv[1]))["files"]
folders = collections.defaultdict(lambda: [0, 0, 0, 0])  # lines covered, total, branches covered, total
for f in files:
    row = folders[f["filename"].split("/")[2]]
    for i, key in enumerate(["line_covered", "line_total", "branch_covered", "branch_total"]):
        row[i] += f[key]

def percent(covered, total):
    return f"{100 * covered / total:.1f} %" if total else "–"

print("| folder | lines | line coverage | branches | branch coverage |")
print("| --- | ---: | ---: | ---: | ---: |")
for name, (lc, lt, bc, bt) in sorted(folders.items()):
    print(f"| {name} | {lc} / {lt} | {percent(lc, lt)} | {bc} / {bt} | {percent(bc, bt)} |")
lc, lt, bc, bt = (sum(row[i] for row in folders.values()) for i in range(4))
print(f"| **all** | {lc} / {lt} | {percent(lc, lt)} | {bc} / {bt} | {percent(bc, bt)} |")
print()
print("Files under 90 % of lines, fewest covered first:")
for f in sorted(files, key=lambda f: f["line_percent"]):
    if f["line_total"] and f["line_percent"] < 90:
        print(f"  {f['filename']}: {f['line_percent']:.1f} % ({f['line_total'] - f['line_covered']} lines missed)")
PY
