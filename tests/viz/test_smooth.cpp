// The debiased moving average used for per-step curves.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/core/error.hpp"
#include "descent/viz/smooth.hpp"

using namespace descent;
using namespace descent::viz;

TEST(Smooth, ConstantStaysConstantFromTheFirstPoint) {
  std::vector<double> x(10, 3.0);
  for (double v : smooth_ema(x, 0.9)) EXPECT_NEAR(v, 3.0, 1e-12);
}

TEST(Smooth, WeightZeroIsTheInput) {
  std::vector<double> x = {1, 5, 2};
  EXPECT_EQ(smooth_ema(x, 0.0), x);
}

TEST(Smooth, MatchesTheRecurrence) {
  std::vector<double> x = {1, 2, 3};
  std::vector<double> s = smooth_ema(x, 0.5);
  EXPECT_DOUBLE_EQ(s[0], 1);
  EXPECT_DOUBLE_EQ(s[1], (0.25 * 1 + 0.5 * 2) / 0.75);
  EXPECT_DOUBLE_EQ(s[2], (0.125 * 1 + 0.25 * 2 + 0.5 * 3) / 0.875);
}

TEST(Smooth, NonFiniteValuesPassThroughWithoutPoisoningTheAverage) {
  std::vector<double> x = {1, NAN, 1, INFINITY, 1};
  std::vector<double> s = smooth_ema(x, 0.8);
  EXPECT_TRUE(std::isnan(s[1]));
  EXPECT_TRUE(std::isinf(s[3]));
  EXPECT_NEAR(s[4], 1, 1e-12);
}

TEST(Smooth, WeightOutOfRangeThrows) {
  std::vector<double> x = {1};
  EXPECT_THROW(smooth_ema(x, 1.0), ValueError);
  EXPECT_THROW(smooth_ema(x, -0.1), ValueError);
}
