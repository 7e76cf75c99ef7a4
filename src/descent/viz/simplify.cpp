// Douglas-Peucker with an explicit stack (no recursion depth limit on long trajectories).
#include "descent/viz/simplify.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace descent::viz {
namespace {

// Distance from p to the segment a-b (to a itself if the segment is a point).
double distance_to_segment(Point p, Point a, Point b) {
  double dx = b.x - a.x, dy = b.y - a.y;
  double length2 = dx * dx + dy * dy;
  double t = length2 == 0 ? 0 : std::clamp(((p.x - a.x) * dx + (p.y - a.y) * dy) / length2, 0.0, 1.0);
  return std::hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

}  // namespace

std::vector<std::size_t> simplify(const Polyline& line, double tolerance) {
  if (line.size() <= 2) {
    std::vector<std::size_t> all(line.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    return all;
  }
  std::vector<bool> keep(line.size(), false);
  keep.front() = keep.back() = true;
  std::vector<std::pair<std::size_t, std::size_t>> stack = {{0, line.size() - 1}};
  while (!stack.empty()) {
    auto [first, last] = stack.back();
    stack.pop_back();
    double farthest = -1;
    std::size_t index = first;
    for (std::size_t i = first + 1; i < last; ++i) {
      double d = distance_to_segment(line[i], line[first], line[last]);
      if (d > farthest) farthest = d, index = i;
    }
    if (farthest > tolerance) {
      keep[index] = true;
      stack.push_back({first, index});
      stack.push_back({index, last});
    }
  }
  std::vector<std::size_t> kept;
  for (std::size_t i = 0; i < line.size(); ++i)
    if (keep[i]) kept.push_back(i);
  return kept;
}

}  // namespace descent::viz
