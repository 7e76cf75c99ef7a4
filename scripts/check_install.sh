#!/usr/bin/env bash
# Installs descent from BUILD_DIR into a temporary prefix and builds examples/consumer against it
# with find_package(descent): the check that another CMake project can use an installed descent.
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
