// The threaded path of the fused updates (tensors above kParallelThreshold) gives the same
// result as one thread: every update is elementwise, so only the reductions of LAMB, SWATS,
// L-BFGS, Adafactor, Prodigy and SAM may differ, in the last bits, by summation order.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/descent.hpp"
#include "descent/optim/factory.hpp"

using namespace descent;
using namespace descent::optim;

namespace {

constexpr int64_t kElems = 3 * kParallelThreshold + 17;  // several slices and a ragged end

std::vector<double> run(const std::string& spec, int threads, DType dtype) {
  set_num_threads(threads);
  std::vector<double> start(kElems);
  for (int64_t i = 0; i < kElems; ++i) start[i] = std::sin(0.001 * static_cast<double>(i)) + 0.1;
  Tensor p = Tensor::from_data(std::span<const double>(start), Shape{kElems}, dtype).requires_grad_();
  auto opt = make_optimizer(spec, std::vector<Tensor>{p});
  auto closure = [&] {
    // f = Σ (i mod 7 + 1)·θᵢ²/2: a gradient that differs from element to element.
    std::vector<double> x = p.to_vector(), g(kElems);
    double f = 0.0;
    for (int64_t i = 0; i < kElems; ++i) {
      const double c = static_cast<double>(i % 7 + 1);
      g[i] = c * x[i];
      f += 0.5 * c * x[i] * x[i];
    }
    p.set_grad(Tensor::from_data(std::span<const double>(g), Shape{kElems}, dtype));
    return f;
  };
  for (int t = 0; t < 4; ++t) opt->step(closure);
  set_num_threads(0);
  return p.to_vector();
}

}  // namespace

TEST(Parallel, TwoThreadsGiveTheResultOfOne) {
  for (const OptimizerInfo& info : optimizer_registry()) {
    const std::string spec =
        info.name == "lookahead" ? "lookahead(adam):k=2" : (info.wrap ? info.name + "(adam)" : info.name);
    const bool reduces = info.name == "lamb" || info.name == "swats" || info.name == "lbfgs" ||
                         info.name == "adafactor" || info.name == "prodigy" || info.name == "sam";
    for (DType dtype : {DType::f32, DType::f64}) {
      std::vector<double> one = run(spec, 1, dtype), two = run(spec, 2, dtype);
      ASSERT_EQ(one.size(), two.size());
      const double tolerance = reduces ? (dtype == DType::f64 ? 1e-12 : 1e-5) : 0.0;
      double worst = 0.0;
      for (std::size_t i = 0; i < one.size(); ++i)
        worst = std::max(worst, std::abs(one[i] - two[i]) / std::max(std::abs(one[i]), 1.0));
      EXPECT_LE(worst, tolerance) << spec << " (" << dtype_name(dtype) << ")";
    }
  }
}
