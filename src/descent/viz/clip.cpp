// Liang-Barsky segment clipping, applied segment by segment and joined into pieces; and
// Sutherland-Hodgman polygon clipping, one side of the box at a time.
#include "descent/viz/clip.hpp"

#include <optional>

namespace descent::viz {
namespace {

// The parameters t0 <= t1 in [0, 1] of the part of segment a-b inside box, or nothing.
std::optional<std::pair<double, double>> clip_segment(Point a, Point b, const Rect& box) {
  double t0 = 0, t1 = 1;
  double dx = b.x - a.x, dy = b.y - a.y;
  // For each edge: p * t <= q keeps the point inside.
  const double p[4] = {-dx, dx, -dy, dy};
  const double q[4] = {a.x - box.x0, box.x1 - a.x, a.y - box.y0, box.y1 - a.y};
  for (int k = 0; k < 4; ++k) {
    if (p[k] == 0) {
      if (q[k] < 0) return std::nullopt;  // parallel to this edge and outside it
      continue;
    }
    double t = q[k] / p[k];
    if (p[k] < 0) {
      if (t > t1) return std::nullopt;
      if (t > t0) t0 = t;
    } else {
      if (t < t0) return std::nullopt;
      if (t < t1) t1 = t;
    }
  }
  return std::pair{t0, t1};
}

Point along(Point a, Point b, double t) { return {a.x + t * (b.x - a.x), a.y + t * (b.y - a.y)}; }

// Keeps the part of a closed polygon on the inner side of one box edge: `inside` tells whether a
// point is on that side, `cross` where segment a-b (one end on each side) meets the edge.
template <typename Inside, typename Cross>
Polyline clip_to_edge(const Polyline& polygon, Inside inside, Cross cross) {
  Polyline out;
  for (std::size_t i = 0; i < polygon.size(); ++i) {
    Point a = polygon[(i + polygon.size() - 1) % polygon.size()], b = polygon[i];
    if (inside(b)) {
      if (!inside(a)) out.push_back(cross(a, b));
      out.push_back(b);
    } else if (inside(a)) {
      out.push_back(cross(a, b));
    }
  }
  return out;
}

// Where segment a-b meets the vertical line x = c (or, with `vertical` false, y = c). The
// crossing coordinate is c itself: interpolating it from a vertex at 1e30 would cancel to 0.
Point meet(Point a, Point b, double c, bool vertical) {
  if (vertical) return {c, a.y + (c - a.x) / (b.x - a.x) * (b.y - a.y)};
  return {a.x + (c - a.y) / (b.y - a.y) * (b.x - a.x), c};
}

}  // namespace

Polyline clip_polygon(const Polyline& polygon, const Rect& box) {
  Polyline out = clip_to_edge(
      polygon, [&](Point p) { return p.x >= box.x0; }, [&](Point a, Point b) { return meet(a, b, box.x0, true); });
  out = clip_to_edge(
      out, [&](Point p) { return p.x <= box.x1; }, [&](Point a, Point b) { return meet(a, b, box.x1, true); });
  out = clip_to_edge(
      out, [&](Point p) { return p.y >= box.y0; }, [&](Point a, Point b) { return meet(a, b, box.y0, false); });
  out = clip_to_edge(
      out, [&](Point p) { return p.y <= box.y1; }, [&](Point a, Point b) { return meet(a, b, box.y1, false); });
  return out;
}

std::vector<ClippedPiece> clip_polyline(const Polyline& line, const Rect& box) {
  std::vector<ClippedPiece> pieces;
  if (line.size() == 1) {
    if (box.contains(line[0])) pieces.push_back({line, {0.0}});
    return pieces;
  }
  ClippedPiece current;
  auto flush = [&] {
    if (!current.points.empty()) pieces.push_back(std::move(current));
    current = {};
  };
  for (size_t i = 0; i + 1 < line.size(); ++i) {
    auto t = clip_segment(line[i], line[i + 1], box);
    if (!t) {
      flush();
      continue;
    }
    auto [t0, t1] = *t;
    // The segment continues the current piece only if it starts at its vertex i, inside.
    if (t0 > 0) flush();
    if (current.points.empty()) {
      current.points.push_back(along(line[i], line[i + 1], t0));
      current.position.push_back(static_cast<double>(i) + t0);
    }
    current.points.push_back(along(line[i], line[i + 1], t1));
    current.position.push_back(static_cast<double>(i) + t1);
    if (t1 < 1) flush();  // it left the box
  }
  flush();
  return pieces;
}

}  // namespace descent::viz
