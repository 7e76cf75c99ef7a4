#!/usr/bin/env bash
# Builds the API reference: Doxygen (Debian's doxygen package) over the public headers, with
# the committed Doxyfile; any warning fails the build. Output: build/docs/html/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v doxygen >/dev/null; then
  echo "docs.sh: doxygen is not installed; run: sudo apt-get install -y doxygen" >&2
  exit 1
fi
mkdir -p build/docs
doxygen Doxyfile
echo "API reference: build/docs/html/index.html"
