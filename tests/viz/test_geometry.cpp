// Cutting series at undrawable points, clipping to the plot, simplifying polylines.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/core/error.hpp"
#include "descent/viz/clip.hpp"
#include "descent/viz/segments.hpp"
#include "descent/viz/simplify.hpp"

using namespace descent;
using namespace descent::viz;

namespace {
const AxisScale linear{Scale::linear, 0, 1, 0, 1};
const AxisScale log_axis{Scale::log, 1, 10, 0, 1};
}  // namespace

TEST(Segments, NaNAndInfinityCutTheLine) {
  std::vector<double> x = {0, 1, 2, 3, 4, 5, 6};
  std::vector<double> y = {1, 2, NAN, 4, INFINITY, 6, 7};
  Segments s = split_drawable(x, y, linear, linear);
  ASSERT_EQ(s.parts.size(), 3u);
  EXPECT_EQ(s.parts[0].size(), 2u);
  EXPECT_EQ(s.parts[1].size(), 1u);
  EXPECT_EQ(s.parts[2].size(), 2u);
  EXPECT_EQ(s.starts, (std::vector<size_t>{0, 3, 5}));
  EXPECT_EQ(s.dropped, 2u);
  EXPECT_EQ(s.first_dropped, 2);
  EXPECT_DOUBLE_EQ(s.parts[2][1].y, 7);
}

TEST(Segments, NonPositiveValuesAreCutOnALogAxis) {
  std::vector<double> x = {1, 2, 3, 4};
  std::vector<double> y = {1, 0, -1, 2};
  Segments s = split_drawable(x, y, linear, log_axis);
  EXPECT_EQ(s.parts.size(), 2u);
  EXPECT_EQ(s.dropped, 2u);
  EXPECT_EQ(split_drawable(x, y, linear, linear).dropped, 0u);
}

TEST(Segments, AllFiniteIsOnePart) {
  std::vector<double> x = {0, 1}, y = {0, 1};
  Segments s = split_drawable(x, y, linear, linear);
  EXPECT_EQ(s.parts.size(), 1u);
  EXPECT_EQ(s.first_dropped, -1);
}

TEST(Segments, MismatchedLengthsThrow) {
  std::vector<double> x = {0, 1}, y = {0};
  EXPECT_THROW(split_drawable(x, y, linear, linear), ValueError);
}

TEST(Clip, LineLeavingTheBoxStopsAtTheEdge) {
  Rect box{0, 0, 10, 10};
  auto pieces = clip_polyline({{5, 5}, {8, 5}, {1e30, 5}}, box);
  ASSERT_EQ(pieces.size(), 1u);
  ASSERT_EQ(pieces[0].points.size(), 3u);
  EXPECT_DOUBLE_EQ(pieces[0].points[2].x, 10);
  EXPECT_DOUBLE_EQ(pieces[0].points[2].y, 5);
  EXPECT_NEAR(pieces[0].position[2], 1.0, 1e-12);  // just past vertex 1 towards a far point
}

TEST(Clip, LineThatLeavesAndReturnsIsTwoPieces) {
  Rect box{0, 0, 10, 10};
  auto pieces = clip_polyline({{5, 5}, {15, 5}, {5, 6}}, box);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_DOUBLE_EQ(pieces[0].points.back().x, 10);
  EXPECT_DOUBLE_EQ(pieces[1].points.front().x, 10);
  EXPECT_DOUBLE_EQ(pieces[1].position.front(), 1.5);
  EXPECT_DOUBLE_EQ(pieces[1].position.back(), 2.0);
}

TEST(Clip, SegmentPassingOutsideIsDropped) {
  EXPECT_TRUE(clip_polyline({{-5, 20}, {20, 20}}, Rect{0, 0, 10, 10}).empty());
  EXPECT_EQ(clip_polyline({{-5, 5}, {20, 5}}, Rect{0, 0, 10, 10}).size(), 1u);
}

// Twice the signed area of a polygon (the shoelace formula).
double twice_area(const Polyline& polygon) {
  double sum = 0;
  for (std::size_t i = 0; i < polygon.size(); ++i) {
    const Point a = polygon[i], b = polygon[(i + 1) % polygon.size()];
    sum += a.x * b.y - b.x * a.y;
  }
  return sum;
}

TEST(ClipPolygon, InsideIsKeptAsItIs) {
  const Polyline square = {{1, 1}, {4, 1}, {4, 4}, {1, 4}};
  const Polyline clipped = clip_polygon(square, Rect{0, 0, 10, 10});
  ASSERT_EQ(clipped.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_DOUBLE_EQ(clipped[i].x, square[i].x);
    EXPECT_DOUBLE_EQ(clipped[i].y, square[i].y);
  }
}

TEST(ClipPolygon, FarVerticesAreCutAtTheEdgesWithTheRightArea) {
  // A band whose top runs to 1e30 between x = 4 and x = 6: its sides from (2, 5) and (8, 5) up
  // to there are vertical within the box, so what is left is the rectangle [2, 8] x [2, 10].
  const Polyline band = {{2, 5}, {4, 1e30}, {6, 1e30}, {8, 5}, {8, 2}, {2, 2}};
  const Polyline clipped = clip_polygon(band, Rect{0, 0, 10, 10});
  ASSERT_GE(clipped.size(), 3u);
  for (Point p : clipped) {
    EXPECT_GE(p.x, 0);
    EXPECT_LE(p.x, 10);
    EXPECT_GE(p.y, 0);
    EXPECT_LE(p.y, 10);
  }
  EXPECT_NEAR(std::abs(twice_area(clipped)) / 2, 6.0 * 8, 1e-6);
}

TEST(ClipPolygon, OutsideIsEmpty) {
  EXPECT_TRUE(clip_polygon({{20, 20}, {30, 20}, {30, 30}}, Rect{0, 0, 10, 10}).empty());
}

TEST(Simplify, DropsCollinearPointsKeepsCorners) {
  Polyline line = {{0, 0}, {1, 0.01}, {2, 0}, {3, 0}, {3, 1}, {3, 2}};
  EXPECT_EQ(simplify(line, 0.1), (std::vector<size_t>{0, 3, 5}));
  EXPECT_EQ(simplify(line, 0.001), (std::vector<size_t>{0, 1, 2, 3, 5}));  // keeps the 0.01 bump
}

TEST(Simplify, ShortLinesAreKept) {
  EXPECT_EQ(simplify({{0, 0}, {1, 1}}, 1.0), (std::vector<size_t>{0, 1}));
  EXPECT_TRUE(simplify({}, 1.0).empty());
}
