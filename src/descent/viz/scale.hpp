// AxisScale: maps data values on one axis to pixels, linearly or by log10.
#pragma once
#include <string>

namespace descent::viz {

enum class Scale { linear, log };

struct AxisScale {
  Scale kind = Scale::linear;
  double lo = 0, hi = 1;              // data range shown (lo < hi; both > 0 on a log axis)
  double pixel_lo = 0, pixel_hi = 1;  // where lo and hi land (pixel_hi < pixel_lo for y axes)

  // Whether a value can be placed on this axis: finite, and positive on a log axis.
  bool drawable(double v) const;
  // The pixel of a drawable value (values outside [lo, hi] extrapolate).
  double map(double v) const;
};

// A short name for messages: "linear" or "log".
std::string to_string(Scale scale);

}  // namespace descent::viz
