// The vectorizable exp against libm's double exp: every tested float within kExpMaxUlp of
// the exact value, and the special values right.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "descent/descent.hpp"
#include "descent/kernels/vmath.hpp"

namespace {

// Measured exhaustively over all floats when the kernel was written: 1.01 ulp.
constexpr double kExpMaxUlp = 1.02;

// |y - exact| in units of the last place of the float nearest to exact.
double ulp_error(float y, double exact) {
  const auto nearest = static_cast<float>(exact);
  double ulp = static_cast<double>(std::nextafter(std::fabs(nearest), INFINITY)) - std::fabs(nearest);
  if (nearest == 0.0f) ulp = std::ldexp(1.0, -149);
  return std::fabs(static_cast<double>(y) - exact) / ulp;
}

TEST(Exp, WithinOneUlpOverTheFiniteRange) {
  // Every 61st bit pattern of the floats from -104 to 89, subnormal results included.
  double worst = 0.0;
  float worst_x = 0.0f;
  for (uint64_t bits = 0; bits <= 0xffffffffu; bits += 61) {
    const float x = std::bit_cast<float>(static_cast<uint32_t>(bits));
    if (!(x > -104.0f && x < 88.72f)) continue;
    const double e = ulp_error(descent::kernels::exp(x), std::exp(static_cast<double>(x)));
    if (e > worst) worst = e, worst_x = x;
  }
  EXPECT_LE(worst, kExpMaxUlp) << "at x = " << worst_x;
}

TEST(Exp, SpecialValues) {
  using descent::kernels::exp;
  constexpr float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(exp(0.0f), 1.0f);
  EXPECT_EQ(exp(-0.0f), 1.0f);
  EXPECT_EQ(exp(inf), inf);
  EXPECT_EQ(exp(-inf), 0.0f);
  EXPECT_EQ(exp(88.73f), inf);  // just past ln(FLT_MAX)
  EXPECT_EQ(exp(1e30f), inf);
  EXPECT_EQ(exp(-104.0f), 0.0f);  // below ln(2^-150): rounds to 0
  EXPECT_EQ(exp(-1e30f), 0.0f);
  EXPECT_EQ(exp(-103.9f), std::exp(-103.9f));  // the smallest subnormal, 2^-149
  EXPECT_TRUE(std::isnan(exp(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_FLOAT_EQ(exp(88.72f), std::exp(88.72f));  // near FLT_MAX, still finite
}

TEST(Exp, TensorOpWithinOneUlpAtEveryLength) {
  // The library is built for the host CPU (fused multiply-add, wide vectors): check what it
  // computes, in the vector body and in the scalar tail of the loop.
  for (int64_t n : {1, 15, 16, 17, 100, 40'000}) {
    descent::Tensor a = descent::Tensor::uniform(descent::Shape{n}, -103.0, 88.0);
    const std::vector<float> x = a.values<float>();
    const std::vector<float> y = descent::exp(a).values<float>();
    for (std::size_t i = 0; i < x.size(); ++i)
      ASSERT_LE(ulp_error(y[i], std::exp(static_cast<double>(x[i]))), kExpMaxUlp) << "n = " << n << ", x = " << x[i];
  }
}

}  // namespace
