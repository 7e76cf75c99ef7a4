// Grid: a 2-D function sampled on a regular nx-by-ny lattice over a rectangle, the input of
// contour plots.
#pragma once
#include <functional>
#include <vector>

#include "descent/viz/geometry.hpp"

namespace descent::viz {

using Function2D = std::function<double(double x, double y)>;

struct Grid {
  Rect domain;            // x in [x0, x1], y in [y0, y1]
  int nx = 0, ny = 0;     // samples along x and along y (each >= 2)
  std::vector<double> z;  // (ny, nx), row-major: z[j * nx + i] = f(x(i), y(j))

  double x(int i) const { return domain.x0 + (domain.x1 - domain.x0) * i / (nx - 1); }
  double y(int j) const { return domain.y0 + (domain.y1 - domain.y0) * j / (ny - 1); }
  double at(int i, int j) const { return z[static_cast<size_t>(j) * nx + i]; }
};

// Samples f at every lattice point. Throws ValueError for an empty or non-finite domain or
// fewer than 2 samples per axis. Values may be NaN or infinite (contouring skips them).
Grid sample_grid(const Function2D& f, const Rect& domain, int nx, int ny);

}  // namespace descent::viz
