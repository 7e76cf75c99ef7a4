#!/usr/bin/env bash
# Checks that src/descent/ includes only what docs/architecture.md's layer table allows: each
# folder's "uses" column lists the folders its files may include (besides itself). Prints each
# include that breaks the table and exits 1; exits 0 when the code has the documented layers.
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A uses
while IFS='|' read -r _ folder allowed _; do
  folder=$(echo "$folder" | tr -d ' `/')
  allowed=$(echo "$allowed" | tr -d ' —')
  uses[$folder]=",$allowed,"
done < <(grep -E '^\| `[a-z_]+/` \|' docs/architecture.md)
status=0
for dir in src/descent/*/; do
  folder=$(basename "$dir")
  if [ -z "${uses[$folder]+set}" ]; then
    echo "check_layers: src/descent/$folder/ is not in docs/architecture.md's layer table"
    status=1
    continue
  fi
  while IFS=: read -r file line include; do
    target=$(echo "$include" | sed -E 's#.*"descent/([a-z_]+)/.*#\1#')
    [ "$target" = "$folder" ] && continue
    case "${uses[$folder]}" in
      *",$target,"*) ;;
      *) echo "check_layers: $file:$line includes $target/, which $folder/ may not use (docs/architecture.md)"; status=1 ;;
    esac
  done < <(grep -rnE '#include "descent/[a-z_]+/' "$dir" || true)
done
exit $status
