// `descent trajectory`: the path an optimizer takes on a 2-D test function, as CSV
// (step,x,y,f in float64; row 0 is the start) or as a readable table.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "descent/cli/command.hpp"
#include "descent/core/error.hpp"
#include "descent/io/atomic_file.hpp"
#include "descent/optim/trajectory.hpp"
#include "descent/viz/library_plots.hpp"

namespace descent::cli {

namespace {

struct TrajectoryFlags {
  std::string function = "rosenbrock";
  std::vector<std::string> optimizers;  // repeatable; "adam:lr=0.01" when none is given
  std::string start;                    // "X,Y"; the function's customary start when empty
  int64_t steps = 100;
  bool csv = false;
  std::string svg;  // draw the paths on the function's contour plot
  bool animate = false;
};

void add_flags(CLI::App& app, TrajectoryFlags& flags) {
  app.add_option("--function", flags.function,
                 "sphere, ill_conditioned, rosenbrock, beale, booth, himmelblau, saddle, rastrigin, styblinski_tang")
      ->capture_default_str();
  app.add_option("--optimizer", flags.optimizers,
                 "optimizer spec, e.g. sgd:lr=1e-3,momentum=0.9 (repeatable; default adam:lr=0.01)")
      ->capture_default_str();
  app.add_option("--start", flags.start, "start point X,Y (default: the function's customary start)");
  app.add_option("--steps", flags.steps, "number of steps")->capture_default_str();
  app.add_flag("--csv", flags.csv, "print step,x,y,f as CSV (with an optimizer column for several)");
  app.add_option("--svg", flags.svg, "draw every path on the function's contour plot (log-spaced levels)");
  app.add_flag("--animate", flags.animate, "with --svg: animate the paths (SMIL), as the seeds' animations");
}

optim::Point parse_start(const std::string& text) {
  auto fail = [&] { return ValueError("--start '" + text + "' is not two finite numbers X,Y (e.g. --start -1.2,1)"); };
  std::size_t comma = text.find(',');
  if (comma == std::string::npos) throw fail();
  optim::Point p{};
  std::string parts[2] = {text.substr(0, comma), text.substr(comma + 1)};
  for (int i = 0; i < 2; ++i) {
    errno = 0;
    char* end = nullptr;
    p[i] = std::strtod(parts[i].c_str(), &end);
    if (parts[i].empty() || end != parts[i].c_str() + parts[i].size() || errno == ERANGE || !std::isfinite(p[i]))
      throw fail();
  }
  return p;
}

int run_trajectory(TrajectoryFlags flags) {
  const optim::TestFunction& fn = optim::test_function(flags.function);
  optim::Point start = flags.start.empty() ? fn.start : parse_start(flags.start);
  if (flags.optimizers.empty()) flags.optimizers.push_back("adam:lr=0.01");
  if (!flags.svg.empty()) {
    // Checks the start against the plotted domain before running anything.
    const viz::Rendered plot =
        viz::plot_optimizer_paths(fn, flags.optimizers, start, flags.steps, {.animate = flags.animate});
    for (const auto& w : plot.warnings) std::cerr << "descent: warning: " << w << "\n";
    write_file_atomic(flags.svg, plot.svg);
    if (!flags.csv) {
      std::printf("wrote %s\n", flags.svg.c_str());
      return 0;
    }
  } else if (flags.animate) {
    throw ValueError("--animate draws an animated SVG: give --svg FILE too");
  }
  const bool several = flags.optimizers.size() > 1;
  if (flags.csv) std::printf(several ? "optimizer,step,x,y,f\n" : "step,x,y,f\n");
  for (const std::string& spec : flags.optimizers) {
    const std::vector<optim::TrajectoryPoint> path = optim::trajectory(fn, spec, start, flags.steps);
    if (flags.csv) {
      for (const auto& p : path) {
        if (several) std::printf("\"%s\",", spec.c_str());
        std::printf("%lld,%.17g,%.17g,%.17g\n", static_cast<long long>(p.step), p.x, p.y, p.f);
      }
      continue;
    }
    std::printf("%s  f(x, y) = %s  with %s\n", fn.name.c_str(), fn.formula.c_str(), spec.c_str());
    std::printf("%8s  %14s  %14s  %16s\n", "step", "x", "y", "f");
    for (const auto& p : path)
      std::printf("%8lld  %14.8g  %14.8g  %16.10g\n", static_cast<long long>(p.step), p.x, p.y, p.f);
  }
  if (!flags.csv && !fn.minima.empty()) {
    std::printf("known minimum f = %.10g at", fn.minimum);
    for (const auto& m : fn.minima) std::printf(" (%.6g, %.6g)", m[0], m[1]);
    std::printf("\n");
  }
  return 0;
}

const Command trajectory_command{"trajectory", "Run an optimizer on a 2-D test function and print its path",
                                 setup_with<TrajectoryFlags>(add_flags, run_trajectory)};

}  // namespace
}  // namespace descent::cli
