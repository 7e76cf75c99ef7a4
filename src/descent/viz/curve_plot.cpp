// plot_curve / plot_curves: Figures of line panels over a shared x.
#include "descent/viz/curve_plot.hpp"

#include "descent/core/error.hpp"

namespace descent::viz {
namespace {

// Adds a panel of `spec`'s series against x to the figure.
void add_curve_panel(Figure& figure, const std::vector<double>& x, const CurvePanel& spec,
                     const CurvePlotOptions& options) {
  Panel& panel = figure.add_panel();
  panel.title = spec.title;
  panel.x_label = options.x_label;
  panel.y_label = spec.y_label;
  panel.y_scale = spec.y_scale;
  panel.y_percent = spec.y_percent;
  panel.show_legend = spec.legend;
  panel.x_integer = options.x_integer;
  if (spec.series.empty()) throw ValueError("plot: panel '" + panel.title + "' has no series");
  for (const Series& s : spec.series) {
    if (s.y.size() != x.size())
      throw ValueError("plot: series '" + s.name + "' has " + std::to_string(s.y.size()) + " values for " +
                       std::to_string(x.size()) + " x values");
    panel.line(s.name, x, s.y, {s.color, 2.0, s.dashed});
  }
}

}  // namespace

Rendered plot_curve(const std::vector<double>& x, const std::vector<Series>& series, const CurvePlotOptions& options) {
  Figure figure(options.width > 0 ? options.width : 720, options.height > 0 ? options.height : 440);
  add_curve_panel(figure, x,
                  {.title = options.title, .y_label = options.y_label, .y_scale = options.y_scale, .series = series},
                  options);
  return figure.render();
}

Rendered plot_curves(const std::vector<double>& x, const std::vector<CurvePanel>& panels,
                     const CurvePlotOptions& options) {
  if (panels.empty()) throw ValueError("plot: plot_curves needs at least one panel");
  double n = static_cast<double>(panels.size());
  Figure figure(options.width > 0 ? options.width : 480 * n,
                options.height > 0 ? options.height : (options.title.empty() ? 420 : 450));
  figure.title = options.title;
  for (const CurvePanel& spec : panels) add_curve_panel(figure, x, spec, options);
  return figure.render();
}

}  // namespace descent::viz
