// Sampling a function on a lattice.
#include "descent/viz/grid.hpp"

#include <cmath>
#include <string>

#include "descent/core/error.hpp"

namespace descent::viz {

Grid sample_grid(const Function2D& f, const Rect& domain, int nx, int ny) {
  if (nx < 2 || ny < 2)
    throw ValueError("sample_grid: need at least 2 samples per axis, got " + std::to_string(nx) + " x " +
                     std::to_string(ny));
  bool finite =
      std::isfinite(domain.x0) && std::isfinite(domain.x1) && std::isfinite(domain.y0) && std::isfinite(domain.y1);
  if (!finite || domain.x0 >= domain.x1 || domain.y0 >= domain.y1)
    throw ValueError("sample_grid: the domain must be finite with x0 < x1 and y0 < y1, got x in [" +
                     std::to_string(domain.x0) + ", " + std::to_string(domain.x1) + "], y in [" +
                     std::to_string(domain.y0) + ", " + std::to_string(domain.y1) + "]");
  Grid grid{domain, nx, ny, std::vector<double>(static_cast<size_t>(nx) * ny)};
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i) grid.z[static_cast<size_t>(j) * nx + i] = f(grid.x(i), grid.y(j));
  return grid;
}

}  // namespace descent::viz
