#!/usr/bin/env bash
# Installs descent into a temporary prefix and builds, against it with find_package(descent),
# examples/consumer and the five API examples (examples/installed, -Wall -Wextra -Werror), then
# runs them: the check that another CMake project can use an installed descent with one
# include. Also checks that the installed library runs on any x86-64 (scripts/check_portable.sh)
# and the installed command at every instruction set level this CPU has.
#
#   scripts/check_install.sh              # configures and builds build/install-check as a user
#                                         # would: -DDESCENT_BUILD_TESTS=OFF
#                                         # -DDESCENT_BUILD_BENCHMARKS=OFF, the library and the
#                                         # command alone
#   scripts/check_install.sh BUILD_DIR    # installs an existing build instead
set -euo pipefail
source_dir=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${1:-}
if [ -z "$build_dir" ]; then
  build_dir=$source_dir/build/install-check
  rm -rf "$build_dir"  # a first configuration, as on a fresh clone
  cmake -S "$source_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDESCENT_BUILD_TESTS=OFF \
    -DDESCENT_BUILD_BENCHMARKS=OFF >/dev/null
  cmake --build "$build_dir" >/dev/null
  # The library and the command: no test, benchmark or example program.
  if find "$build_dir" \( -name 'descent_tests_*' -o -name 'bench_*' -o -name train_spirals \) -type f | grep -q .; then
    echo "check_install.sh: -DDESCENT_BUILD_TESTS=OFF -DDESCENT_BUILD_BENCHMARKS=OFF still built tests, benchmarks or examples" >&2
    exit 1
  fi
  echo "-DDESCENT_BUILD_TESTS=OFF -DDESCENT_BUILD_BENCHMARKS=OFF: the library and the command alone: ok"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
library=$(find "$work/prefix" -name 'libdescent.*' | head -1)
if grep -q 'DESCENT_NATIVE:BOOL=ON' "$build_dir/CMakeCache.txt"; then
  echo "(built with -DDESCENT_NATIVE=ON: runs on this CPU only; portability not checked)"
else
  bash "$source_dir/scripts/check_portable.sh" "$library"
fi
if [ -x "$work/prefix/bin/descent" ]; then
  flags=" $(grep -m1 '^flags' /proc/cpuinfo) "
  for level in baseline avx2 avx512; do
    case $level in
      avx2) [[ $flags == *" avx2 "* ]] || continue ;;
      avx512) [[ $flags == *" avx512f "* && $flags == *" avx512bw "* ]] || continue ;;
    esac
    test "$(DESCENT_CPU=$level "$work/prefix/bin/descent" --version)" = "descent 0.1.0 ($level loops)"
  done
  echo "installed descent --version at every level: ok ($("$work/prefix/bin/descent" --version))"
fi
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
