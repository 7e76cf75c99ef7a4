// The instruction set levels this CPU runs (kernels/cpu.hpp), for tests that compare them in
// one process through kernels::CpuLevelOverride.
#pragma once
#include <vector>

#include "descent/core/error.hpp"
#include "descent/kernels/cpu_dispatch.hpp"

namespace descent::testing {

// baseline, then avx2 and avx512 where this CPU has them.
inline std::vector<kernels::CpuLevel> cpu_levels_here() {
  std::vector<kernels::CpuLevel> levels;
  for (kernels::CpuLevel level : {kernels::CpuLevel::baseline, kernels::CpuLevel::avx2, kernels::CpuLevel::avx512}) {
    try {
      kernels::CpuLevelOverride probe(level);
      levels.push_back(level);
    } catch (const ValueError&) {
    }
  }
  return levels;
}

}  // namespace descent::testing
