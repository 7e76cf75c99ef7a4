// trajectory(): what `descent trajectory` prints. Row 0 is the start, row t the point after t
// steps, f recomputed at each point; bad input is refused.
#include <gtest/gtest.h>

#include "descent/core/error.hpp"
#include "descent/optim/trajectory.hpp"

using namespace descent;
using namespace descent::optim;

TEST(Trajectory, RowZeroIsTheStartAndEachRowOneStep) {
  const TestFunction& fn = test_function("booth");
  auto path = trajectory(fn, "sgd:lr=0.01", {2.0, -1.0}, 3);
  ASSERT_EQ(path.size(), 4u);
  EXPECT_EQ(path[0].step, 0);
  EXPECT_DOUBLE_EQ(path[0].x, 2.0);
  EXPECT_DOUBLE_EQ(path[0].y, -1.0);
  EXPECT_DOUBLE_EQ(path[0].f, fn.value(2.0, -1.0));
  // One plain gradient step by hand.
  Point g = fn.gradient(2.0, -1.0);
  EXPECT_DOUBLE_EQ(path[1].x, 2.0 - 0.01 * g[0]);
  EXPECT_DOUBLE_EQ(path[1].y, -1.0 - 0.01 * g[1]);
  for (const auto& p : path) EXPECT_DOUBLE_EQ(p.f, fn.value(p.x, p.y));
  EXPECT_EQ(path[3].step, 3);
}

TEST(Trajectory, BadInputIsRefused) {
  const TestFunction& fn = test_function("sphere");
  EXPECT_THROW(trajectory(fn, "sgd:lr=0.1", {1, 1}, -1), ValueError);
  EXPECT_THROW(trajectory(fn, "nosuch", {1, 1}, 1), ValueError);
  EXPECT_THROW(test_function("nosuch"), ValueError);
}

TEST(Trajectory, SaddleEscapesAlongTheNegativeCurvature) {
  // From just off the saddle point, gradient descent leaves along y (x² − y² falls without bound).
  auto path = trajectory(test_function("saddle"), "sgd:lr=0.1", {1.0, 1e-3}, 100);
  EXPECT_LT(std::abs(path.back().x), 1e-6);
  EXPECT_GT(std::abs(path.back().y), 1.0);
  EXPECT_LT(path.back().f, -1.0);
}
