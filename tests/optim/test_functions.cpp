// The test functions: gradients against central differences, the known minima are
// stationary with the stated value, and names are checked.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/core/error.hpp"
#include "descent/optim/test_functions.hpp"

using namespace descent;
using namespace descent::optim;

TEST(TestFunctions, GradientsMatchCentralDifferences) {
  const double h = 1e-6;
  for (const TestFunction& fn : test_functions()) {
    for (Point p : {fn.start, Point{0.7, -1.3}, Point{-0.4, 0.9}}) {
      Point g = fn.gradient(p[0], p[1]);
      double dx = (fn.value(p[0] + h, p[1]) - fn.value(p[0] - h, p[1])) / (2 * h);
      double dy = (fn.value(p[0], p[1] + h) - fn.value(p[0], p[1] - h)) / (2 * h);
      EXPECT_NEAR(g[0], dx, 1e-5 * std::max(1.0, std::abs(dx))) << fn.name;
      EXPECT_NEAR(g[1], dy, 1e-5 * std::max(1.0, std::abs(dy))) << fn.name;
    }
  }
}

TEST(TestFunctions, KnownMinimaAreStationaryWithTheStatedValue) {
  for (const TestFunction& fn : test_functions()) {
    for (const Point& m : fn.minima) {
      Point g = fn.gradient(m[0], m[1]);
      EXPECT_NEAR(g[0], 0.0, 1e-9) << fn.name;
      EXPECT_NEAR(g[1], 0.0, 1e-9) << fn.name;
      EXPECT_NEAR(fn.value(m[0], m[1]), fn.minimum, 1e-9) << fn.name;
      EXPECT_LE(fn.minimum, fn.value(fn.start[0], fn.start[1])) << fn.name;
    }
  }
  EXPECT_TRUE(test_function("saddle").minima.empty());
  EXPECT_NEAR(test_function("styblinski_tang").minimum, -78.33233140754282, 1e-9);
}

TEST(TestFunctions, UnknownNameListsTheValidOnes) {
  try {
    test_function("rosenbrok");
    FAIL() << "no error";
  } catch (const ValueError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("rosenbrock"), std::string::npos) << msg;
    EXPECT_NE(msg.find("himmelblau"), std::string::npos) << msg;
  }
}
