// Every optimizer's step gives the same bits at every instruction set level this CPU has
// (kernels/cpu_dispatch.hpp): the fused updates are elementwise and compiled without fused
// multiply-adds at every level, so only the vector width changes, and that changes no result.
#include <gtest/gtest.h>

#include <cmath>

#include "common/cpu_levels.hpp"
#include "descent/descent.hpp"
#include "descent/optim/factory.hpp"
#include "four_steps.hpp"

using namespace descent;
using namespace descent::optim;
using descent::testing::four_steps;

namespace {}  // namespace

TEST(CpuLevels, EveryOptimizerGivesTheBitsOfBaseline) {
  const std::vector<kernels::CpuLevel> levels = descent::testing::cpu_levels_here();
  for (const OptimizerInfo& info : optimizer_registry()) {
    const std::string spec =
        info.name == "lookahead" ? "lookahead(adam):k=2" : (info.wrap ? info.name + "(adam)" : info.name);
    const Shape shape = info.name == "muon" ? Shape{9, 37} : Shape{1001};  // ragged ends at every width
    for (DType dtype : {DType::f32, DType::f64}) {
      std::vector<double> base;
      {
        kernels::CpuLevelOverride level(kernels::CpuLevel::baseline);
        base = four_steps(spec, dtype, shape);
      }
      for (kernels::CpuLevel l : levels) {
        kernels::CpuLevelOverride level(l);
        EXPECT_EQ(four_steps(spec, dtype, shape), base)
            << spec << " (" << dtype_name(dtype) << ") at " << kernels::cpu_level_name(l);
      }
    }
  }
}

// Adafactor factors a matrix's second moment (optim/adafactor.cpp): its row and column sums
// and its update, at every level, on a matrix with ragged ends in both dims.
TEST(CpuLevels, AdafactorOnAMatrixGivesTheBitsOfBaseline) {
  for (DType dtype : {DType::f32, DType::f64}) {
    std::vector<double> base;
    {
      kernels::CpuLevelOverride level(kernels::CpuLevel::baseline);
      base = four_steps("adafactor", dtype, Shape{37, 29});
    }
    for (kernels::CpuLevel l : descent::testing::cpu_levels_here()) {
      kernels::CpuLevelOverride level(l);
      EXPECT_EQ(four_steps("adafactor", dtype, Shape{37, 29}), base)
          << dtype_name(dtype) << " at " << kernels::cpu_level_name(l);
    }
  }
}
