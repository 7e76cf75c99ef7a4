#!/usr/bin/env bash
# Sets up descent on a fresh Debian 12 machine: packages, MNIST, a Release build.
# Then `build/release/descent train` runs the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
descent_install_deps
bash scripts/fetch_mnist.sh
cmake --preset release >/dev/null
cmake --build --preset release --target descent_cli   # the command; scripts/test.sh builds the rest
