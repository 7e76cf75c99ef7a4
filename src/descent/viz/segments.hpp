// Cutting a series at points that cannot be drawn (NaN, infinite, or <= 0 on a log axis): the
// line breaks there instead of jumping to garbage coordinates, and the cut is counted so the
// plot can report it.
#pragma once
#include <cstddef>
#include <span>
#include <vector>

#include "descent/viz/geometry.hpp"
#include "descent/viz/scale.hpp"

namespace descent::viz {

struct Segments {
  std::vector<Polyline> parts;        // maximal runs of drawable points, in data coordinates
  std::vector<std::size_t> starts;    // index in the input of each part's first point
  std::size_t dropped = 0;            // how many points were not drawable
  std::ptrdiff_t first_dropped = -1;  // index of the first one, -1 if none
};

// Splits (x[i], y[i]) into runs where both coordinates are drawable on their axes.
// Throws ValueError if x and y differ in length.
Segments split_drawable(std::span<const double> x, std::span<const double> y, const AxisScale& x_axis,
                        const AxisScale& y_axis);

}  // namespace descent::viz
