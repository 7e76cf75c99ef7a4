// Trajectory and schedule plots on top of optim::trajectory and schedule_series.
#include "descent/viz/library_plots.hpp"

#include "descent/core/error.hpp"
#include "descent/optim/trajectory.hpp"
#include "descent/viz/curve_plot.hpp"
#include "descent/viz/ticks.hpp"

namespace descent::viz {

Rendered plot_optimizer_paths(const optim::TestFunction& function, const std::vector<std::string>& specs,
                              optim::Point start, int64_t steps, TrajectoryPlotOptions options) {
  if (specs.empty()) throw ValueError("trajectory plot: give at least one optimizer");
  const auto& d = function.domain;  // x_min, x_max, y_min, y_max
  Rect domain{d[0], d[2], d[1], d[3]};
  std::string where = "(";
  where += short_number(start[0], 4);
  where += ", ";
  where += short_number(start[1], 4);
  where += ')';
  if (!domain.contains({start[0], start[1]}))
    throw ValueError("trajectory plot: start " + where + " is outside " + function.name + "'s plotted domain x in [" +
                     short_number(d[0]) + ", " + short_number(d[1]) + "], y in [" + short_number(d[2]) + ", " +
                     short_number(d[3]) + "]");
  std::vector<NamedPath> paths;
  for (const std::string& spec : specs) {
    NamedPath path{spec, {}};
    for (const optim::TrajectoryPoint& p : optim::trajectory(function, spec, start, steps))
      path.points.push_back({p.x, p.y});
    paths.push_back(std::move(path));
  }
  std::vector<Point> minima;
  for (const optim::Point& m : function.minima) minima.push_back({m[0], m[1]});
  if (options.title.empty()) options.title = function.name + ": " + std::to_string(steps) + " steps from " + where;
  return plot_trajectories(function.value, domain, paths, minima, options);
}

Rendered plot_schedule(const optim::ScheduleSeries& series, const std::string& title, Scale lr_scale) {
  std::vector<double> steps(series.lr.size());
  for (std::size_t t = 0; t < steps.size(); ++t) steps[t] = static_cast<double>(t);
  std::vector<CurvePanel> panels = {{.title = "Learning rate",
                                     .y_label = "lr",
                                     .y_scale = lr_scale,
                                     .series = {{.name = "lr", .y = series.lr}},
                                     .legend = false}};
  if (!series.momentum_key.empty())
    panels.push_back({.title = series.momentum_key == "beta1" ? "Beta1" : "Momentum",
                      .y_label = series.momentum_key,
                      .series = {{.name = series.momentum_key, .y = series.momentum, .color = series_color(1)}},
                      .legend = false});
  CurvePlotOptions options{.title = title, .x_label = "step", .x_integer = true};
  if (panels.size() == 1) {
    options.width = 720;
    options.height = 470;
  }
  return plot_curves(steps, panels, options);
}

}  // namespace descent::viz
