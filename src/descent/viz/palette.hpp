// Colours: the Okabe-Ito palette for series (distinguishable with the common colour-vision
// deficiencies; Okabe & Ito 2008, "Color Universal Design") and viridis for contour levels
// (perceptually uniform and readable in grey; van der Walt & Smith 2015).
#pragma once
#include <cstddef>
#include <string>

namespace descent::viz {

struct Color {
  double r = 0, g = 0, b = 0;  // each in [0, 1]
  std::string hex() const;     // "#rrggbb"
};

// The i-th series colour (cycles after 8). Okabe-Ito's order, starting with its blue and
// orange and leaving black (kept for axes) and yellow (faint on white) for last.
Color series_color(std::size_t i);

// Viridis at t in [0, 1] (clamped), interpolated between 9 samples of the published map.
Color viridis(double t);

// The colour mixed with white: amount 0 keeps it, 1 gives white. Filled contours use it so
// paths drawn over them stay visible.
Color lighten(const Color& c, double amount);

}  // namespace descent::viz
