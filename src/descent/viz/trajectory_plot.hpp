// plot_trajectories: optimizer paths over a contour plot of the function they minimize, with
// start and end markers, the minimum marked, and optionally animated. This is what
// `descent trajectory --svg` draws:
//
//   auto f = [](double x, double y) { return rosenbrock(x, y); };
//   std::vector<viz::NamedPath> paths = {{"sgd lr=1e-3", sgd_points}, {"adam lr=0.05", adam_points}};
//   viz::Rendered out = viz::plot_trajectories(f, {-2, -1, 2, 3}, paths, {{1, 1}},
//                                              {.title = "Rosenbrock", .animate = true});
//   write out.svg to a file; print out.warnings (diverged paths) to stderr.
#pragma once
#include <string>
#include <vector>

#include "descent/viz/figure.hpp"
#include "descent/viz/grid.hpp"

namespace descent::viz {

struct NamedPath {
  std::string name{};           // legend text, e.g. the optimizer spec
  std::vector<Point> points{};  // the iterates x_0 (start), x_1, ..., x_N
};

struct TrajectoryPlotOptions {
  std::string title{};
  std::string x_label = "x", y_label = "y";
  bool log_levels = true;  // contour levels 1-2-5 x 10^k (for functions spanning decades)
  bool filled = true;      // filled bands, or coloured contour lines only
  bool animate = false;    // SMIL animation: paths draw themselves step by step
  double seconds = 8.0;    // duration of one animation pass
  int grid_size = 160;     // samples per axis for the contour
  double width = 760, height = 600;
};

// Samples f on `domain` (x0, y0, x1, y1), draws its contours and each path in its own colour,
// and a star at each of `minima` (none for functions unbounded below; the legend says
// "minimum (1, 1)", or "minima (4)" for several). Throws ValueError if a path is empty or starts outside the domain, or
// if f is constant or nowhere finite on the domain. Non-finite points end a path; each is reported in warnings.
Rendered plot_trajectories(const Function2D& f, const Rect& domain, const std::vector<NamedPath>& paths,
                           const std::vector<Point>& minima, const TrajectoryPlotOptions& options = {});

// The contour levels plot_trajectories uses for a sampled grid: 1-2-5 x 10^k spanning the four
// decades below the largest value (measured from the smallest value when that is negative), or
// 12 evenly spaced levels. Throws ValueError if the grid is constant or has no finite value.
std::vector<double> auto_levels(const Grid& grid, bool log_spaced);

}  // namespace descent::viz
