#!/usr/bin/env bash
# Runs clang-tidy 14 with the repository's .clang-tidy over descent's sources, using the
# compile commands of the Release build (build/release/compile_commands.json; configured here
# if missing, nothing is compiled). Headers under src/descent are checked through the .cpp
# files that include them. Exits 1 if there is any finding.
#   bash scripts/lint.sh                every .cpp under src/ (2 jobs; LINT_JOBS=N for more)
#   bash scripts/lint.sh FILE.cpp ...   only these files (e.g. those a change touches)
set -euo pipefail
cd "$(dirname "$0")/.."
clang_tidy=clang-tidy-14
command -v "$clang_tidy" >/dev/null || { echo "lint.sh: $clang_tidy not found (apt-get install clang-tidy-14)" >&2; exit 2; }
jobs=${LINT_JOBS:-2}

if [ ! -f build/release/compile_commands.json ]; then
  cmake --preset release >/dev/null
fi
if (($#)); then
  files=("$@")
else
  mapfile -t files < <(git ls-files 'src/*.cpp')
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
# One log per file of clang-tidy's findings (stdout); its counts on stderr ("N warnings
# generated", "Suppressed ...") are dropped.
printf '%s\n' "${files[@]}" | xargs -P "$jobs" -I{} sh -c \
  "$clang_tidy -p build/release --quiet '{}' >\"$logs/\$(echo '{}' | tr / _).log\" 2>/dev/null || true"

# A finding in a header is reported once per file that includes it: print each once.
findings=$(cat "$logs"/*.log | awk '/^\/.*: (warning|error): /' | sort -u)
if [ -n "$findings" ]; then
  cat "$logs"/*.log | awk '
    /^\/.*: (warning|error): / { keep = !seen[$0]++ }
    keep'
  echo "lint.sh: $(printf '%s\n' "$findings" | wc -l) finding(s) in ${#files[@]} files" >&2
  exit 1
fi
echo "lint.sh: no findings in ${#files[@]} files"
