// split_drawable: one pass, starting a new part after every point that cannot be drawn.
#include "descent/viz/segments.hpp"

#include <string>

#include "descent/core/error.hpp"

namespace descent::viz {

Segments split_drawable(std::span<const double> x, std::span<const double> y, const AxisScale& x_axis,
                        const AxisScale& y_axis) {
  if (x.size() != y.size())
    throw ValueError("plot: a series needs as many x as y values, got " + std::to_string(x.size()) + " x and " +
                     std::to_string(y.size()) + " y");
  Segments out;
  Polyline current;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x_axis.drawable(x[i]) && y_axis.drawable(y[i])) {
      if (current.empty()) out.starts.push_back(i);
      current.push_back({x[i], y[i]});
      continue;
    }
    if (out.dropped++ == 0) out.first_dropped = static_cast<std::ptrdiff_t>(i);
    if (!current.empty()) out.parts.push_back(std::move(current));
    current.clear();
  }
  if (!current.empty()) out.parts.push_back(std::move(current));
  return out;
}

}  // namespace descent::viz
