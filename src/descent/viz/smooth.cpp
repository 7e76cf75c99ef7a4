// Debiased exponential moving average (as Adam's bias correction, Kingma & Ba 2015, sec. 3).
#include "descent/viz/smooth.hpp"

#include <cmath>

#include "descent/core/error.hpp"

namespace descent::viz {

std::vector<double> smooth_ema(std::span<const double> values, double weight) {
  if (!(weight >= 0 && weight < 1))
    throw ValueError("smooth_ema: weight must be in [0, 1), got " + format_number(weight));
  std::vector<double> out;
  out.reserve(values.size());
  double average = 0, decay = 1;  // decay = weight^n
  for (double v : values) {
    if (!std::isfinite(v)) {
      out.push_back(v);
      continue;
    }
    average = weight * average + (1 - weight) * v;
    decay *= weight;
    out.push_back(average / (1 - decay));
  }
  return out;
}

}  // namespace descent::viz
