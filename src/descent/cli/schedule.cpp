// `descent schedule`: look at a learning-rate schedule before training with it. Prints the lr
// after each scheduler step (row 0: after construction), and the momentum (or β₁) the schedule
// cycles, as CSV or as an aligned table; --list prints every schedule name with its keys.
#include <charconv>
#include <iomanip>
#include <iostream>
#include <memory>

#include "descent/cli/command.hpp"
#include "descent/io/atomic_file.hpp"
#include "descent/schedule/series.hpp"
#include "descent/schedule/spec.hpp"
#include "descent/viz/library_plots.hpp"

namespace descent::cli {

namespace {

struct ScheduleFlags {
  std::string spec;
  double lr = 0.1;
  int64_t steps = 100;
  std::string optimizer = "sgd";
  bool csv = false;
  bool list = false;
  std::string svg;  // draw the lr (and momentum) curve to this file
};

void add_flags(CLI::App& app, ScheduleFlags& f) {
  app.add_option("--schedule,-s", f.spec, "Schedule spec, e.g. cosine:T_max=50,eta_min=1e-5");
  app.add_option("--lr", f.lr, "Initial (base) learning rate")->capture_default_str();
  app.add_option("--steps,-n", f.steps, "Number of scheduler steps")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--optimizer", f.optimizer, "Optimizer spec the schedule drives (its momentum or beta1 is cycled)")
      ->capture_default_str();
  app.add_flag("--csv", f.csv, "Print step,lr[,momentum] as CSV, one row per step (row 0: the initial lr)");
  app.add_option("--svg", f.svg, "Draw the lr (and momentum) curve as SVG to this file");
  app.add_flag("--list", f.list, "List every schedule name with its keys and defaults");
}

// The shortest text that reads back as the same double (Python's repr).
std::string repr(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

// Each schedule: its name and summary, then one line per key with its default and meaning.
int list_schedules() {
  std::cout << "Schedule specs: NAME[:key=value,...]; '+' runs parts one after another, '*' steps terms\n"
               "together (e.g. warmup:steps=500+cosine:T_max=10000). Lists are written a;b;c.\n";
  for (const optim::ScheduleHelp& schedule : optim::schedule_help()) {
    std::cout << "\n  " << schedule.name << ": " << schedule.summary << "\n";
    for (const spec::KeyHelp& key : schedule.keys) {
      std::string setting = key.key;
      if (key.required)
        setting += " (required)";
      else if (!key.default_value.empty())
        setting += "=" + key.default_value;
      std::cout << "    " << std::left << std::setw(28) << setting << " " << key.help << "\n";
    }
  }
  return 0;
}

int run_schedule(const ScheduleFlags& f) {
  if (f.list) return list_schedules();
  if (f.spec.empty()) throw ValueError("schedule: give --schedule SPEC (see descent schedule --list)");
  optim::ScheduleSeries series = optim::schedule_series(f.spec, f.lr, f.steps, f.optimizer);
  const bool momentum = !series.momentum_key.empty();
  if (!f.svg.empty()) {
    const viz::Rendered plot = viz::plot_schedule(series, "descent schedule " + f.spec);
    for (const auto& w : plot.warnings) std::cerr << "descent: warning: " << w << "\n";
    write_file_atomic(f.svg, plot.svg);
    if (!f.csv) {
      std::cout << "wrote " << f.svg << "\n";
      return 0;
    }
  }
  if (f.csv) {
    std::cout << "step,lr" << (momentum ? "," + series.momentum_key : "") << "\n";
    for (std::size_t t = 0; t < series.lr.size(); ++t)
      std::cout << t << "," << repr(series.lr[t]) << (momentum ? "," + repr(series.momentum[t]) : "") << "\n";
    return 0;
  }
  // A readable table: at most ~20 evenly spaced rows, always the first and the last.
  const std::size_t n = series.lr.size();
  const std::size_t stride = n > 21 ? (n - 1 + 19) / 20 : 1;
  std::cout << std::setw(8) << "step" << std::setw(16) << "lr";
  if (momentum) std::cout << std::setw(16) << series.momentum_key;
  std::cout << "\n";
  for (std::size_t t = 0; t < n; t = (t + stride < n - 1 || t == n - 1) ? t + stride : n - 1) {
    std::cout << std::setw(8) << t << std::setw(16) << std::setprecision(6) << series.lr[t];
    if (momentum) std::cout << std::setw(16) << series.momentum[t];
    std::cout << "\n";
  }
  return 0;
}

const Command schedule_command{"schedule", "Print a learning-rate schedule's lr (and momentum) step by step",
                               setup_with<ScheduleFlags>(add_flags, run_schedule)};

}  // namespace
}  // namespace descent::cli
