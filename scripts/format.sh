#!/usr/bin/env bash
# Formats descent's C++ sources with clang-format 14 and the repository's .clang-format.
#   bash scripts/format.sh                 format every tracked .cpp/.hpp under src, tests, bench, examples
#   bash scripts/format.sh --check         change nothing; list the files that differ, exit 1 if any
#   bash scripts/format.sh [--check] FILE  only these files
set -euo pipefail
cd "$(dirname "$0")/.."
clang_format=clang-format-14
command -v "$clang_format" >/dev/null || { echo "format.sh: $clang_format not found (apt-get install clang-format-14)" >&2; exit 2; }

check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
if (($#)); then
  files=("$@")
else
  mapfile -t files < <(git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' \
                                    'bench/*.cpp' 'bench/*.hpp' 'examples/*.cpp' 'examples/*.hpp')
fi

if ((!check)); then
  "$clang_format" -i --style=file "${files[@]}"
  exit 0
fi
differ=0
for file in "${files[@]}"; do
  if ! "$clang_format" --style=file --dry-run --Werror "$file" >/dev/null 2>&1; then
    echo "$file"
    differ=$((differ + 1))
  fi
done
if ((differ)); then
  echo "format.sh: $differ of ${#files[@]} files differ from .clang-format (bash scripts/format.sh fixes them)" >&2
  exit 1
fi
