// The instruction set levels (kernels/cpu.hpp, cpu_dispatch.hpp): detection, DESCENT_CPU, and
// the dispatched kernels at every level this CPU has against baseline and plain loops. CTest
// also runs every kernels and ops test again under DESCENT_CPU=avx2 and =baseline
// (tests/CMakeLists.txt), so each path passes the whole suite here.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/cpu_levels.hpp"
#include "descent/descent.hpp"
#include "descent/kernels/cpu.hpp"
#include "descent/kernels/im2col.hpp"
#include "descent/kernels/reduce.hpp"
#include "descent/kernels/small_batch.hpp"

using namespace descent;
using kernels::CpuLevel;

namespace {

// What cpuid says this CPU has, asked directly (GCC's builtins check the OS's support too).
CpuLevel best_level_here() {
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq"))
    return CpuLevel::avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return CpuLevel::avx2;
  return CpuLevel::baseline;
}

std::vector<float> ramp(int64_t n, float from, float to) {
  std::vector<float> v(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = from + (to - from) * static_cast<float>(i) / n;
  return v;
}

// |a - b| in units of the last place of b.
double ulps(float a, float b) {
  if (a == b) return 0.0;
  return std::fabs(static_cast<double>(a) - b) /
         (static_cast<double>(std::nextafter(std::fabs(b), INFINITY)) - std::fabs(b));
}

}  // namespace

TEST(CpuLevel, Names) {
  EXPECT_STREQ(kernels::cpu_level_name(CpuLevel::baseline), "baseline");
  EXPECT_STREQ(kernels::cpu_level_name(CpuLevel::avx2), "avx2");
  EXPECT_STREQ(kernels::cpu_level_name(CpuLevel::avx512), "avx512");
}

TEST(CpuLevel, IsTheBestLevelUnlessDescentCpuLowersIt) {
  const char* env = std::getenv("DESCENT_CPU");
  if (env && *env)
    EXPECT_STREQ(kernels::cpu_level_name(kernels::cpu_level()), env);
  else
    EXPECT_EQ(kernels::cpu_level(), best_level_here());
  EXPECT_EQ(descent::testing::cpu_levels_here().back(), best_level_here());
}

TEST(CpuLevel, OverrideLowersAndRestores) {
  const CpuLevel before = kernels::cpu_level();
  {
    kernels::CpuLevelOverride lowered(CpuLevel::baseline);
    EXPECT_EQ(kernels::cpu_level(), CpuLevel::baseline);
  }
  EXPECT_EQ(kernels::cpu_level(), before);
  if (best_level_here() != CpuLevel::avx512) EXPECT_THROW(kernels::CpuLevelOverride(CpuLevel::avx512), ValueError);
}

// Elementwise ops through map_unary/map_binary: exp within an ulp of baseline's (the wider
// levels fuse its multiply-adds), a broadcast add and relu exactly.
TEST(CpuLevels, ElementwiseOpsAgreeWithBaseline) {
  const int64_t n = 100003;  // a ragged end after every vector width
  const std::vector<float> values = ramp(n, -90.0f, 88.0f);
  const Tensor x = Tensor::from_data(std::span<const float>(values), Shape{n});
  const Tensor rows = x.reshape(Shape{n, 1}), bias = x.slice(0, 0, 7);
  auto compute = [&] { return std::vector<Tensor>{exp(x), add(rows, bias), relu(x)}; };
  std::vector<Tensor> base;
  {
    kernels::CpuLevelOverride level(CpuLevel::baseline);
    base = compute();
  }
  for (CpuLevel l : descent::testing::cpu_levels_here()) {
    kernels::CpuLevelOverride level(l);
    const std::vector<Tensor> got = compute();
    const float* e = got[0].data<float>();
    const float* b = base[0].data<float>();
    double worst = 0.0;
    for (int64_t i = 0; i < n; ++i) worst = std::max(worst, ulps(e[i], b[i]));
    EXPECT_LE(worst, 1.0) << kernels::cpu_level_name(l);
    EXPECT_EQ(got[1].to_vector(), base[1].to_vector()) << kernels::cpu_level_name(l);
    EXPECT_EQ(got[2].to_vector(), base[2].to_vector()) << kernels::cpu_level_name(l);
  }
}

// Sums, the small-batch products and im2col at every level against plain loops.
TEST(CpuLevels, KernelsMatchPlainLoops) {
  const int64_t rows = 10, in = 37, out = 30;
  const std::vector<float> x = ramp(rows * in, -1.0f, 1.0f), w = ramp(out * in, 1.0f, -0.5f);
  std::vector<double> expected(static_cast<std::size_t>(rows * out), 0.0);
  for (int64_t b = 0; b < rows; ++b)
    for (int64_t o = 0; o < out; ++o)
      for (int64_t i = 0; i < in; ++i)
        expected[static_cast<std::size_t>(b * out + o)] +=
            static_cast<double>(x[static_cast<std::size_t>(b * in + i)]) * w[static_cast<std::size_t>(o * in + i)];
  const std::vector<float> long_values = ramp(1 << 20, -1.0f, 3.0f);
  kernels::ConvGeometry g;
  g.in_channels = 3, g.in_h = 9, g.in_w = 11, g.kernel_h = 3, g.kernel_w = 2, g.pad_top = 1, g.pad_left = 1;
  g.out_h = 9, g.out_w = 12;
  const std::vector<float> image = ramp(g.in_channels * g.in_plane(), -2.0f, 2.0f);
  std::vector<float> base_columns(static_cast<std::size_t>(g.columns_per_image()));
  {
    kernels::CpuLevelOverride level(CpuLevel::baseline);
    kernels::im2col(image.data(), g, base_columns.data());
  }
  for (CpuLevel l : descent::testing::cpu_levels_here()) {
    SCOPED_TRACE(kernels::cpu_level_name(l));
    kernels::CpuLevelOverride level(l);
    std::vector<float> y(static_cast<std::size_t>(rows * out), 0.0f);
    kernels::small_batch_times_weight(x.data(), in, w.data(), in, y.data(), rows, in, out);
    for (std::size_t k = 0; k < y.size(); ++k) EXPECT_NEAR(y[k], expected[k], 1e-5 * (1 + std::fabs(expected[k])));
    EXPECT_NEAR(kernels::sum(long_values.data(), 1 << 20), kernels::sum_naive(long_values.data(), 1 << 20), 1e-6);
    std::vector<float> columns(base_columns.size());
    kernels::im2col(image.data(), g, columns.data());
    EXPECT_EQ(columns, base_columns);
  }
}
