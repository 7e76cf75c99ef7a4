// Marching squares on functions whose level sets are known: circles, straight lines, saddles.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/core/error.hpp"
#include "descent/viz/contour.hpp"

using namespace descent;
using namespace descent::viz;

namespace {

double radius_error(const Polyline& line, double r) {
  double worst = 0;
  for (Point p : line) worst = std::max(worst, std::abs(std::hypot(p.x, p.y) - r));
  return worst;
}

Grid paraboloid(int n) {
  return sample_grid([](double x, double y) { return x * x + y * y; }, {-2, -2, 2, 2}, n, n);
}

// The shoelace area of a closed ring.
double area(const Polyline& ring) {
  double twice = 0;
  for (size_t i = 0; i < ring.size(); ++i) {
    const Point& a = ring[i];
    const Point& b = ring[(i + 1) % ring.size()];
    twice += a.x * b.y - b.x * a.y;
  }
  return std::abs(twice) / 2;
}

}  // namespace

TEST(Contour, CircleLevelIsOneClosedRingOnTheCircle) {
  Grid grid = paraboloid(81);  // spacing 0.05
  for (double r : {0.5, 1.0, 1.5}) {
    auto lines = contour_lines(grid, r * r);
    ASSERT_EQ(lines.size(), 1u) << "r = " << r;
    EXPECT_TRUE(lines[0].closed);
    EXPECT_GT(lines[0].points.size(), 20u);
    // Linear interpolation of x^2 + y^2 between samples 0.05 apart errs by < h^2 / (8 r) in radius.
    EXPECT_LT(radius_error(lines[0].points, r), 0.05 * 0.05 / (8 * r) * 4) << "r = " << r;
    EXPECT_NEAR(area(lines[0].points), M_PI * r * r, 0.01 * M_PI * r * r);
  }
}

TEST(Contour, LevelOutsideTheRangeHasNoLines) {
  Grid grid = paraboloid(21);
  EXPECT_TRUE(contour_lines(grid, -1).empty());
  EXPECT_TRUE(contour_lines(grid, 100).empty());
}

TEST(Contour, LevelCutByTheDomainEdgeGivesOpenArcs) {
  // r = 2.5 leaves the square [-2, 2]^2 only near its four corners: four open arcs.
  Grid grid = paraboloid(41);
  auto lines = contour_lines(grid, 6.25);
  ASSERT_EQ(lines.size(), 4u);
  for (const auto& line : lines) {
    EXPECT_FALSE(line.closed);
    EXPECT_LT(radius_error(line.points, 2.5), 0.01);
  }
}

TEST(Contour, PlaneGivesAStraightLine) {
  Grid grid = sample_grid([](double x, double y) { return x + 2 * y; }, {0, 0, 1, 1}, 11, 11);
  auto lines = contour_lines(grid, 1.0);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_FALSE(lines[0].closed);
  for (Point p : lines[0].points) EXPECT_NEAR(p.x + 2 * p.y, 1.0, 1e-12);
}

TEST(Contour, SaddleCellsNeverCrossLines) {
  // f = x * y: the zero level is the two axes, which cross at a saddle. Sampled on a lattice
  // whose cell centre sits on the saddle, the lines must still come out as simple curves.
  Grid grid = sample_grid([](double x, double y) { return x * y; }, {-1, -1, 1, 1}, 4, 4);
  auto lines = contour_lines(grid, 0.01);
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& line : lines) EXPECT_FALSE(line.closed);
}

TEST(Contour, NaNCellsBreakTheLine) {
  Grid grid = paraboloid(41);
  // Poison one sample on the unit circle's path: the ring opens there.
  for (int i = 0; i < grid.nx; ++i)
    if (std::abs(grid.x(i) - 1.0) < 1e-9) grid.z[static_cast<size_t>(20) * grid.nx + i] = NAN;
  auto lines = contour_lines(grid, 1.0);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_FALSE(lines[0].closed);
}

TEST(Contour, RegionBelowIsClosedAlongTheDomainEdge) {
  Grid grid = paraboloid(81);
  // {x^2 + y^2 < 6.25} covers the square [-2, 2]^2 except its four corners: one ring that
  // follows the edges and cuts the corners along the circle r = 2.5.
  auto rings = region_below(grid, 6.25);
  ASSERT_EQ(rings.size(), 1u);
  auto primitive = [](double x) { return (x * std::sqrt(6.25 - x * x) + 6.25 * std::asin(x / 2.5)) / 2; };
  double quadrant = 2 * 1.5 + primitive(2) - primitive(1.5);  // integral of min(2, sqrt(6.25 - x^2)) on [0, 2]
  EXPECT_NEAR(area(rings[0]), 4 * quadrant, 0.01);
  for (Point p : rings[0]) {
    EXPECT_TRUE(p.x >= -2 - 1e-12 && p.x <= 2 + 1e-12 && p.y >= -2 - 1e-12 && p.y <= 2 + 1e-12);
  }
}

TEST(Contour, RegionBelowWithAHoleHasTwoRings) {
  // A ring-shaped valley: f = (r - 1)^2; {f < 0.09} is the annulus 0.7 < r < 1.3.
  Grid grid = sample_grid([](double x, double y) { return std::pow(std::hypot(x, y) - 1, 2); }, {-2, -2, 2, 2}, 81, 81);
  auto rings = region_below(grid, 0.09);
  ASSERT_EQ(rings.size(), 2u);
  double outer = std::max(area(rings[0]), area(rings[1])), inner = std::min(area(rings[0]), area(rings[1]));
  EXPECT_NEAR(outer - inner, M_PI * (1.3 * 1.3 - 0.7 * 0.7), 0.05);
}

TEST(Contour, LogLevelsAreOneTwoFive) {
  EXPECT_EQ(log_levels(0.3, 60), (std::vector<double>{0.5, 1, 2, 5, 10, 20, 50}));
  EXPECT_THROW(log_levels(0, 1), ValueError);
  EXPECT_THROW(log_levels(2, 1), ValueError);
}

TEST(Contour, LinearLevelsAreInsideTheRange) {
  std::vector<double> levels = linear_levels(0, 10, 5);
  EXPECT_EQ(levels, (std::vector<double>{2, 4, 6, 8}));
}
