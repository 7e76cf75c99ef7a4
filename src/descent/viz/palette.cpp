// Series and sequential colour maps.
#include "descent/viz/palette.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace descent::viz {
namespace {

Color rgb(int r, int g, int b) { return {r / 255.0, g / 255.0, b / 255.0}; }

}  // namespace

std::string Color::hex() const {
  auto byte = [](double v) { return static_cast<int>(std::lround(std::clamp(v, 0.0, 1.0) * 255)); };
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "#%02x%02x%02x", byte(r), byte(g), byte(b));
  return buffer;
}

Color series_color(std::size_t i) {
  static const std::array<Color, 8> okabe_ito = {
      rgb(0, 114, 178),    // blue
      rgb(230, 159, 0),    // orange
      rgb(0, 158, 115),    // bluish green
      rgb(213, 94, 0),     // vermillion
      rgb(204, 121, 167),  // reddish purple
      rgb(86, 180, 233),   // sky blue
      rgb(0, 0, 0),        // black
      rgb(240, 228, 66),   // yellow
  };
  return okabe_ito[i % okabe_ito.size()];
}

Color viridis(double t) {
  // matplotlib's viridis at t = 0, 1/8, ..., 1.
  static const std::array<Color, 9> samples = {rgb(68, 1, 84),    rgb(71, 45, 123),  rgb(59, 82, 139),
                                               rgb(44, 114, 142), rgb(33, 145, 140), rgb(39, 173, 129),
                                               rgb(92, 200, 99),  rgb(170, 220, 50), rgb(253, 231, 37)};
  if (std::isnan(t)) t = 0;
  double x = std::clamp(t, 0.0, 1.0) * (samples.size() - 1);
  size_t i = std::min(static_cast<size_t>(x), samples.size() - 2);
  double f = x - static_cast<double>(i);
  const Color& a = samples[i];
  const Color& b = samples[i + 1];
  return {a.r + f * (b.r - a.r), a.g + f * (b.g - a.g), a.b + f * (b.b - a.b)};
}

Color lighten(const Color& c, double amount) {
  return {c.r + amount * (1 - c.r), c.g + amount * (1 - c.g), c.b + amount * (1 - c.b)};
}

}  // namespace descent::viz
