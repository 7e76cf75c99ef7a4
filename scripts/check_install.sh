#!/usr/bin/env bash
# Installs descent from BUILD_DIR into a temporary prefix and builds, against it with
# find_package(descent), examples/consumer and the five API examples (examples/installed,
# -Wall -Wextra -Werror), then runs them: the check that another CMake project can use an
# installed descent with one include.
set -euo pipefail
build_dir=$1
source_dir=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
cmake -S "$source_dir/examples/consumer" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
test "$("$work/build/consumer")" = "2 4 6"
echo "find_package(descent) from an install prefix: ok"
cmake -S "$source_dir/examples/installed" -B "$work/examples" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/examples" >/dev/null
for example in residual_adamw custom_loss resume param_groups mistakes; do
  if ! output=$("$work/examples/$example" 2>&1); then
    printf '%s\n' "$output"
    echo "examples/$example.cpp failed against the installed package" >&2
    exit 1
  fi
  echo "examples/$example.cpp: ok"
done
