// The threaded path of the fused updates (tensors above kParallelThreshold) gives the same
// result as one thread: every update is elementwise, so only the reductions of LAMB, SWATS,
// L-BFGS, Adafactor, Prodigy, SAM and Muon's matrix products may differ, in the last bits, by summation order.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/descent.hpp"
#include "descent/optim/factory.hpp"
#include "four_steps.hpp"

using namespace descent;
using namespace descent::optim;

namespace {

constexpr int64_t kElems = 3 * kParallelThreshold + 17;  // several slices and a ragged end

std::vector<double> run(const std::string& spec, int threads, DType dtype, const Shape& shape) {
  set_num_threads(threads);
  std::vector<double> result = descent::testing::four_steps(spec, dtype, shape);
  set_num_threads(0);
  return result;
}

}  // namespace

TEST(Parallel, TwoThreadsGiveTheResultOfOne) {
  for (const OptimizerInfo& info : optimizer_registry()) {
    const std::string spec =
        info.name == "lookahead" ? "lookahead(adam):k=2" : (info.wrap ? info.name + "(adam)" : info.name);
    const bool reduces = info.name == "lamb" || info.name == "swats" || info.name == "lbfgs" ||
                         info.name == "adafactor" || info.name == "prodigy" || info.name == "sam" ||
                         info.name == "muon";
    // Muon orthogonalizes matrices: a 17 × 5783 one, as many elements less a ragged end.
    const Shape shape = info.name == "muon" ? Shape{17, kElems / 17} : Shape{kElems};
    for (DType dtype : {DType::f32, DType::f64}) {
      std::vector<double> one = run(spec, 1, dtype, shape), two = run(spec, 2, dtype, shape);
      ASSERT_EQ(one.size(), two.size());
      const double tolerance = reduces ? (dtype == DType::f64 ? 1e-12 : 1e-5) : 0.0;
      double worst = 0.0;
      for (std::size_t i = 0; i < one.size(); ++i)
        worst = std::max(worst, std::abs(one[i] - two[i]) / std::max(std::abs(one[i]), 1.0));
      EXPECT_LE(worst, tolerance) << spec << " (" << dtype_name(dtype) << ")";
    }
  }
}

// Adafactor's sums over a matrix are per row, and per column in blocks of rows fixed
// whatever the thread count (optim/adafactor.cpp): two threads give the bits of one.
TEST(Parallel, AdafactorOnAMatrixGivesTheBitsOfOneThread) {
  const Shape shape{257, kElems / 257};  // above kParallelThreshold, ragged row blocks
  for (DType dtype : {DType::f32, DType::f64})
    EXPECT_EQ(run("adafactor", 1, dtype, shape), run("adafactor", 2, dtype, shape)) << dtype_name(dtype);
}
