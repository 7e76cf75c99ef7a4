#!/usr/bin/env bash
# Builds and runs descent's whole test suite (GoogleTest under CTest).
#   bash scripts/test.sh             Release build (build/release)
#   bash scripts/test.sh --sanitize  Debug build with AddressSanitizer + UndefinedBehaviorSanitizer (build/debug)
set -euo pipefail
cd "$(dirname "$0")/.."
preset=release
[ "${1:-}" = "--sanitize" ] && preset=debug
source scripts/deps.sh
descent_install_deps chromium   # chromium renders the plots in the viz tests
bash scripts/fetch_mnist.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset"
