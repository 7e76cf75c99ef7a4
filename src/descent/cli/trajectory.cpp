// `descent trajectory`: the path an optimizer takes on a 2-D test function, as CSV
// (step,x,y,f in float64; row 0 is the start) or as a readable table.
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "descent/cli/command.hpp"
#include "descent/core/error.hpp"
#include "descent/optim/trajectory.hpp"

namespace descent::cli {

namespace {

struct TrajectoryFlags {
  std::string function = "rosenbrock";
  std::string optimizer = "adam:lr=0.01";
  std::string start;  // "X,Y"; the function's customary start when empty
  int64_t steps = 100;
  bool csv = false;
};

optim::Point parse_start(const std::string& text) {
  auto fail = [&] {
    return ValueError("--start '" + text + "' is not two finite numbers X,Y (e.g. --start -1.2,1)");
  };
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

int run_trajectory(const TrajectoryFlags& flags) {
  const optim::TestFunction& fn = optim::test_function(flags.function);
  optim::Point start = flags.start.empty() ? fn.start : parse_start(flags.start);
  std::vector<optim::TrajectoryPoint> path = optim::trajectory(fn, flags.optimizer, start, flags.steps);
  if (flags.csv) {
    std::printf("step,x,y,f\n");
    for (const auto& p : path) std::printf("%lld,%.17g,%.17g,%.17g\n", static_cast<long long>(p.step), p.x, p.y, p.f);
    return 0;
  }
  std::printf("%s  f(x, y) = %s  with %s\n", fn.name.c_str(), fn.formula.c_str(), flags.optimizer.c_str());
  std::printf("%8s  %14s  %14s  %16s\n", "step", "x", "y", "f");
  for (const auto& p : path) std::printf("%8lld  %14.8g  %14.8g  %16.10g\n", static_cast<long long>(p.step), p.x, p.y, p.f);
  if (!fn.minima.empty()) {
    std::printf("known minimum f = %.10g at", fn.minimum);
    for (const auto& m : fn.minima) std::printf(" (%.6g, %.6g)", m[0], m[1]);
    std::printf("\n");
  }
  return 0;
}

}  // namespace

static Command trajectory_command{
    "trajectory", "Run an optimizer on a 2-D test function and print its path", [](CLI::App& app) -> Run {
      auto flags = std::make_shared<TrajectoryFlags>();
      app.add_option("--function", flags->function,
                     "sphere, ill_conditioned, rosenbrock, beale, booth, himmelblau, saddle, rastrigin, "
                     "styblinski_tang")
          ->capture_default_str();
      app.add_option("--optimizer", flags->optimizer, "optimizer spec, e.g. sgd:lr=1e-3,momentum=0.9")
          ->capture_default_str();
      app.add_option("--start", flags->start, "start point X,Y (default: the function's customary start)");
      app.add_option("--steps", flags->steps, "number of steps")->capture_default_str();
      app.add_flag("--csv", flags->csv, "print step,x,y,f as CSV");
      return [flags] { return run_trajectory(*flags); };
    }};

}  // namespace descent::cli
