#!/usr/bin/env bash
# Builds and runs descent's whole test suite (GoogleTest under CTest).
#   bash scripts/test.sh             Release build (build/release)
#   bash scripts/test.sh --sanitize  Debug build with AddressSanitizer + UndefinedBehaviorSanitizer (build/debug)
set -euo pipefail
cd "$(dirname "$0")/.."
preset=release
[ "${1:-}" = "--sanitize" ] && preset=debug
source scripts/deps.sh
# chromium renders the plots in the viz tests; python3-torch runs the PyTorch round trips of
# scripts/to_pytorch.py and from_pytorch.py (about 70 MB to download)
descent_install_deps chromium python3-torch
bash scripts/fetch_mnist.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset"
