// Points, polylines and rectangles shared by the plotting code (data or pixel coordinates).
#pragma once
#include <vector>

namespace descent::viz {

struct Point {
  double x = 0, y = 0;
};

using Polyline = std::vector<Point>;

struct Rect {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // x0 <= x1, y0 <= y1
  double width() const { return x1 - x0; }
  double height() const { return y1 - y0; }
  bool contains(Point p) const { return p.x >= x0 && p.x <= x1 && p.y >= y0 && p.y <= y1; }
};

}  // namespace descent::viz
