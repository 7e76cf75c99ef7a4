// One-call plots of what the optimizer and schedule libraries compute, for the commands:
//
//   descent trajectory --svg:  write_file_atomic(path, viz::plot_optimizer_paths(fn, specs, start, steps,
//                                                                                 {.animate = animate}).svg);
//   descent schedule --svg:    write_file_atomic(path, viz::plot_schedule(series, spec).svg);
//
// (print each of Rendered::warnings to stderr: a diverged optimizer is reported there).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "descent/optim/test_functions.hpp"
#include "descent/schedule/series.hpp"
#include "descent/viz/figure.hpp"
#include "descent/viz/trajectory_plot.hpp"

namespace descent::viz {

// Runs each optimizer spec (optim's grammar, e.g. "sgd:lr=1e-3,momentum=0.9") from `start` for
// `steps` steps on the test function and draws the paths over its contours, on the function's
// plotting domain, with its minima marked. An empty options.title becomes
// "rosenbrock: 100 steps from (-1.2, 1)". Throws ValueError if `start` is outside the domain
// (before running anything) or a spec is invalid.
Rendered plot_optimizer_paths(const optim::TestFunction& function, const std::vector<std::string>& specs,
                              optim::Point start, int64_t steps, TrajectoryPlotOptions options = {});

// The learning rate per scheduler step, beside the momentum (or beta1) when the schedule cycles
// it. Steps on x, from 0 (after construction). `lr_scale` log suits exponential decays.
Rendered plot_schedule(const optim::ScheduleSeries& series, const std::string& title, Scale lr_scale = Scale::linear);

}  // namespace descent::viz
