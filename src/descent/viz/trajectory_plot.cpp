// plot_trajectories: a one-panel Figure with a contour, paths and the minimum.
#include "descent/viz/trajectory_plot.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "descent/core/error.hpp"
#include "descent/viz/contour.hpp"
#include "descent/viz/ticks.hpp"

namespace descent::viz {
namespace {

constexpr double decades = 4;           // log levels span this many decades below the top
constexpr std::size_t max_levels = 15;  // beyond this, keep only the powers of ten

std::string point_text(Point p) {
  std::string text = "(";
  text += short_number(p.x, 4);
  text += ", ";
  text += short_number(p.y, 4);
  text += ')';
  return text;
}

std::string range_text(double lo, double hi) {
  std::string text = "[";
  text += short_number(lo);
  text += ", ";
  text += short_number(hi);
  text += ']';
  return text;
}

}  // namespace

std::vector<double> auto_levels(const Grid& grid, bool log_spaced) {
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double v : grid.z)
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (lo > hi) throw ValueError("contour: the function has no finite value on the plotted domain");
  if (lo == hi) throw ValueError("contour: the function is constant (" + short_number(lo) + ") on the plotted domain");
  if (!log_spaced) return linear_levels(lo, hi, 12);
  // Levels are 1-2-5 steps of f - shift, so that a negative minimum still gets log spacing.
  double shift = lo < 0 ? -lo : 0;
  double top = hi + shift;
  double bottom = std::max(lo + shift, top * std::pow(10.0, -decades));
  std::vector<double> levels = log_levels(bottom, top);
  if (levels.size() > max_levels)
    std::erase_if(levels, [](double v) { return std::abs(std::log10(v) - std::round(std::log10(v))) > 1e-9; });
  for (double& v : levels) v -= shift;
  return levels;
}

Rendered plot_trajectories(const Function2D& f, const Rect& domain, const std::vector<NamedPath>& paths,
                           const std::vector<Point>& minima, const TrajectoryPlotOptions& options) {
  for (const NamedPath& path : paths) {
    if (path.points.empty()) throw ValueError("trajectory '" + path.name + "' has no points");
    Point start = path.points.front();
    if (!domain.contains(start))
      throw ValueError("trajectory '" + path.name + "' starts at " + point_text(start) +
                       ", outside the plotted domain x in " + range_text(domain.x0, domain.x1) + ", y in " +
                       range_text(domain.y0, domain.y1));
  }
  Grid grid = sample_grid(f, domain, options.grid_size, options.grid_size);
  Figure figure(options.width, options.height);
  figure.animation = {options.animate, options.seconds};
  Panel& panel = figure.add_panel();
  panel.title = options.title;
  panel.x_label = options.x_label;
  panel.y_label = options.y_label;
  std::vector<double> levels = auto_levels(grid, options.log_levels);
  panel.contour(std::move(grid), {levels, options.filled, "f(x, y)"});
  for (const NamedPath& path : paths) panel.path(path.name, path.points);
  // One legend entry for all minima: the first marker carries it, the others are unnamed.
  for (std::size_t i = 0; i < minima.size(); ++i) {
    std::string label;
    if (i == 0)
      label =
          minima.size() == 1 ? "minimum " + point_text(minima[0]) : "minima (" + std::to_string(minima.size()) + ")";
    panel.marker(label, minima[i], MarkerShape::star);
  }
  return figure.render();
}

}  // namespace descent::viz
