// Every optimizer's step gives the same bits at every instruction set level this CPU has
// (kernels/cpu_dispatch.hpp): the fused updates are elementwise and compiled without fused
// multiply-adds at every level, so only the vector width changes, and that changes no result.
#include <gtest/gtest.h>

#include <cmath>

#include "common/cpu_levels.hpp"
#include "descent/descent.hpp"
#include "descent/optim/factory.hpp"

using namespace descent;
using namespace descent::optim;

namespace {

// Four steps from a start that varies element to element, on f = Σ (i mod 7 + 1)·θᵢ²/2.
std::vector<double> four_steps(const std::string& spec, DType dtype, const Shape& shape) {
  const int64_t elems = shape.numel();
  std::vector<double> start(static_cast<std::size_t>(elems));
  for (int64_t i = 0; i < elems; ++i)
    start[static_cast<std::size_t>(i)] = std::sin(0.001 * static_cast<double>(i)) + 0.1;
  Tensor p = Tensor::from_data(std::span<const double>(start), shape, dtype).requires_grad_();
  auto opt = make_optimizer(spec, std::vector<Tensor>{p});
  auto closure = [&] {
    std::vector<double> x = p.to_vector(), g(x.size());
    double f = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double c = static_cast<double>(i % 7 + 1);
      g[i] = c * x[i];
      f += 0.5 * c * x[i] * x[i];
    }
    p.set_grad(Tensor::from_data(std::span<const double>(g), shape, dtype));
    return f;
  };
  for (int t = 0; t < 4; ++t) opt->step(closure);
  return p.to_vector();
}

}  // namespace

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
