// plot_curve / plot_curves: y-against-x line plots in one panel or several side by side, for
// `descent schedule --svg` (learning rate and momentum per step) and `descent compare`:
//
//   std::vector<double> steps = ..., lrs = ..., momenta = ...;
//   viz::Rendered lr = viz::plot_curve(steps, {{.name = "OneCycleLR", .y = lrs}},
//                                      {.title = "Learning rate", .x_label = "step", .y_label = "lr"});
//   viz::Rendered both = viz::plot_curves(steps, {{.title = "Learning rate", .y_label = "lr",
//                                                  .series = {{.name = "lr", .y = lrs}}},
//                                                 {.title = "Momentum", .y_label = "beta1",
//                                                  .series = {{.name = "momentum", .y = momenta}}}},
//                                         {.x_label = "step"});
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "descent/viz/figure.hpp"

namespace descent::viz {

struct Series {
  std::string name{};            // legend text
  std::vector<double> y{};       // one value per x; NaN/inf (and <= 0 on a log axis) cut the line
  std::optional<Color> color{};  // default: the next Okabe-Ito colour
  bool dashed = false;
};

struct CurvePanel {
  std::string title{}, y_label{};
  Scale y_scale = Scale::linear;
  bool y_percent = false;  // y tick labels as percentages (accuracies in [0, 1])
  std::vector<Series> series{};
  bool legend = true;  // off when the title already names the only series
};

struct CurvePlotOptions {
  std::string title{};               // over the whole figure (plot_curves) or the panel (plot_curve)
  std::string x_label{}, y_label{};  // y_label: plot_curve only (plot_curves takes it per panel)
  Scale y_scale = Scale::linear;     // plot_curve only
  bool x_integer = false;            // whole-number x ticks (epochs, steps)
  double width = 0, height = 0;      // 0: 720 x 440 for one panel, 480 per panel x 420 for several
};

// One panel with every series against the shared x. Throws ValueError if a series' length
// differs from x's or nothing is drawable.
Rendered plot_curve(const std::vector<double>& x, const std::vector<Series>& series,
                    const CurvePlotOptions& options = {});

// Several panels side by side sharing x; the legend of each panel lists its own series.
Rendered plot_curves(const std::vector<double>& x, const std::vector<CurvePanel>& panels,
                     const CurvePlotOptions& options = {});

}  // namespace descent::viz
