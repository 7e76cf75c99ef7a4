#!/usr/bin/env bash
# Installs what descent needs from Debian's packages, when missing. Sourced by setup.sh and
# test.sh; pass extra package names (e.g. chromium for the rendering tests) as arguments.
set -euo pipefail

# ccache keys on paths relative to the checkout, so a fresh clone reuses earlier compilations.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
export CCACHE_NOHASHDIR=1

descent_install_deps() {
  local packages=(cmake ninja-build g++ ccache pkg-config libopenblas-openmp-dev libcli11-dev nlohmann-json3-dev
    zlib1g-dev libgtest-dev libgmock-dev libbenchmark-dev dataset-fashion-mnist python3-numpy
    libopenmpi-dev openmpi-bin "$@")
  command -v npm >/dev/null 2>&1 || packages+=(npm)
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "descent: installing ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}
