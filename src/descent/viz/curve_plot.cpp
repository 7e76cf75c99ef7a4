// plot_curve / plot_curves: Figures of line panels over a shared x.
#include "descent/viz/curve_plot.hpp"

#include "descent/core/error.hpp"

namespace descent::viz {
namespace {

void fill_panel(Panel& panel, const std::vector<double>& x, const std::vector<Series>& series, bool x_integer) {
  if (series.empty()) throw ValueError("plot: panel '" + panel.title + "' has no series");
  panel.x_integer = x_integer;
  for (const Series& s : series) {
    if (s.y.size() != x.size())
      throw ValueError("plot: series '" + s.name + "' has " + std::to_string(s.y.size()) + " values for " +
                       std::to_string(x.size()) + " x values");
    panel.line(s.name, x, s.y, {s.color, 2.0, s.dashed});
  }
}

}  // namespace

Rendered plot_curve(const std::vector<double>& x, const std::vector<Series>& series, const CurvePlotOptions& options) {
  Figure figure(options.width > 0 ? options.width : 720, options.height > 0 ? options.height : 440);
  Panel& panel = figure.add_panel();
  panel.title = options.title;
  panel.x_label = options.x_label;
  panel.y_label = options.y_label;
  panel.y_scale = options.y_scale;
  fill_panel(panel, x, series, options.x_integer);
  return figure.render();
}

Rendered plot_curves(const std::vector<double>& x, const std::vector<CurvePanel>& panels,
                     const CurvePlotOptions& options) {
  if (panels.empty()) throw ValueError("plot: plot_curves needs at least one panel");
  double n = static_cast<double>(panels.size());
  Figure figure(options.width > 0 ? options.width : 480 * n,
                options.height > 0 ? options.height : (options.title.empty() ? 420 : 450));
  figure.title = options.title;
  for (const CurvePanel& spec : panels) {
    Panel& panel = figure.add_panel();
    panel.title = spec.title;
    panel.x_label = options.x_label;
    panel.y_label = spec.y_label;
    panel.y_scale = spec.y_scale;
    panel.y_percent = spec.y_percent;
    panel.show_legend = spec.legend;
    fill_panel(panel, x, spec.series, options.x_integer);
  }
  return figure.render();
}

}  // namespace descent::viz
