#!/usr/bin/env bash
# Checks that a library runs on any x86-64: no AVX instruction (any VEX or EVEX encoding, whose
# mnemonics start with v) outside the functions compiled for a level above baseline
# (kernels/cpu_dispatch.hpp's level_detail::run_avx2 and run_avx512, and what they inlined),
# which only run where cpu_level() found the instructions. Usage: check_portable.sh LIBRARY
# (libdescent.a or .so).
set -euo pipefail
library=$1
objdump -d --no-show-raw-insn -C "$library" | awk '
  /^[0-9a-f]+ <.*>:$/ { name = $0; wide = name ~ /level_detail(::|[0-9]+)run_avx(2|512)/; next }
  !wide && $2 ~ /^v/ { bad[name] = $2 }
  END {
    n = 0
    for (f in bad) { if (n < 10) print "AVX instruction " bad[f] " outside a level function in " f; n++ }
    if (n) { print n " function(s) would fail on a CPU without AVX" > "/dev/stderr"; exit 1 }
  }'
echo "$(basename "$library"): no AVX instruction outside the AVX2 and AVX-512 level functions"
