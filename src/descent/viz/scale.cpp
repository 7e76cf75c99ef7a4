// Linear and log10 axis mapping.
#include "descent/viz/scale.hpp"

#include <cmath>

namespace descent::viz {

bool AxisScale::drawable(double v) const { return std::isfinite(v) && (kind == Scale::linear || v > 0); }

double AxisScale::map(double v) const {
  double t =
      kind == Scale::log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) : (v - lo) / (hi - lo);
  return pixel_lo + t * (pixel_hi - pixel_lo);
}

std::string to_string(Scale scale) { return scale == Scale::log ? "log" : "linear"; }

}  // namespace descent::viz
