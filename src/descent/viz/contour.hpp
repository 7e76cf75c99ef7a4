// Contour lines of a sampled function by marching squares (Lorensen & Cline's marching cubes
// in two dimensions), with saddle cells resolved by the cell-centre average, and the filled
// regions {f < level} used for filled contour plots.
#pragma once
#include <vector>

#include "descent/viz/geometry.hpp"
#include "descent/viz/grid.hpp"

namespace descent::viz {

struct ContourLine {
  Polyline points;  // in data coordinates; a closed ring does not repeat its first point
  bool closed = false;
};

// The lines where the sampled function crosses `level`. Cells with a NaN corner are skipped,
// so a line ends at them.
std::vector<ContourLine> contour_lines(const Grid& grid, double level);

// The closed rings bounding {(x, y) in the domain : f(x, y) < level}, including stretches of
// the domain's edge; filling them with the even-odd rule paints exactly that region (holes
// included). NaN samples count as above every level.
std::vector<Polyline> region_below(const Grid& grid, double level);

// Contour levels 1, 2, 5 x 10^k in [lo, hi] (lo > 0), for functions spanning decades like
// Rosenbrock's. Throws ValueError if lo <= 0 or lo > hi.
std::vector<double> log_levels(double lo, double hi);

// About n evenly spaced nice levels strictly inside (lo, hi).
std::vector<double> linear_levels(double lo, double hi, int n);

}  // namespace descent::viz
