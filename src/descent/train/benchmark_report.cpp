// report.md, the tables and the figures of a benchmark, from its results.jsonl objects.
#include "descent/train/benchmark_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>

#include "descent/core/error.hpp"
#include "descent/io/atomic_file.hpp"
#include "descent/train/deepobs_baselines.hpp"

namespace descent {

namespace {

double number(const nlohmann::json& j, const std::string& key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : std::nan("");
}

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

// "0.9123 ± 0.0012" (accuracies in percent), "—" with no finite value.
std::string cell(const MeanSd& m, bool percent) {
  if (m.count == 0) return "—";
  const double scale = percent ? 100 : 1;
  const char* pattern = percent ? "%.2f" : "%.4g";
  std::string text = format(pattern, scale * m.mean) + (percent ? "%" : "");
  if (m.count > 1) text += " ± " + format(pattern, scale * m.sd);
  return text;
}

// The runs of one problem and optimizer at its best lr (all seeds).
std::vector<nlohmann::json> best_runs(const Problem& problem, const std::string& optimizer,
                                      const std::vector<nlohmann::json>& results) {
  const std::optional<double> lr = best_lr(problem, optimizer, results);
  std::vector<nlohmann::json> runs;
  if (!lr) return runs;
  for (const nlohmann::json& r : results)
    if (r["problem"] == problem.name && r["optimizer"] == optimizer && r["lr"].get<double>() == *lr) runs.push_back(r);
  return runs;
}

MeanSd over_runs(const std::vector<nlohmann::json>& runs, const std::string& metric) {
  std::vector<double> values;
  for (const nlohmann::json& r : runs) values.push_back(number(r["final"], metric));
  return mean_sd(values);
}

// The final training accuracy (over the last epoch's minibatches) less the test accuracy, per run.
MeanSd generalization_gap(const std::vector<nlohmann::json>& runs) {
  std::vector<double> gaps;
  for (const nlohmann::json& r : runs) gaps.push_back(number(r["final"], "train_acc") - number(r["final"], "test_acc"));
  return mean_sd(gaps);
}

// Steps (or seconds) to the target: the mean over the seeds that reached it; "k/n seeds".
std::string target_cell(const std::vector<nlohmann::json>& runs, const std::string& unit) {
  std::vector<double> values;
  for (const nlohmann::json& r : runs)
    if (r.contains("target") && r["target"]["reached"].is_object())
      values.push_back(number(r["target"]["reached"], unit));
  if (values.empty()) return "not reached";
  const MeanSd m = mean_sd(values);
  return format(unit == "steps" ? "%.0f" : "%.2f s", m.mean) + " (" + std::to_string(values.size()) + "/" +
         std::to_string(runs.size()) + " seeds)";
}

std::string baseline_rows(const Problem& problem, int epochs, bool with_target) {
  std::string rows;
  for (const DeepObsBaseline& b : deepobs_baselines()) {
    if (b.problem != problem.name) continue;
    const std::size_t at = baseline_index(b, epochs);
    rows += "| DeepOBS " + b.optimizer + " (seed " + std::to_string(b.seed) + ", epoch " +
            std::to_string(b.epochs[at]) + ") | " + format("%.4g", b.lr) + " | 1 | — | — | " +
            format("%.4g", b.test_loss[at]) + " |";
    if (problem.classification) rows += " " + format("%.2f%%", 100 * b.test_acc[at]) + " | — |";
    if (with_target) rows += " — | — |";
    rows += "\n";
  }
  return rows;
}

// Where the DeepOBS rows of a problem come from: its files in DeepOBS's repository.
std::string baseline_files(const Problem& problem) {
  std::string text;
  for (const DeepObsBaseline& b : deepobs_baselines())
    if (b.problem == problem.name) text += "- DeepOBS " + b.optimizer + ": `" + b.file + "`\n";
  return text.empty() ? text
                      : "DeepOBS's rows, from github.com/fsschneider/DeepOBS (commit 873bbc27):\n\n" + text + "\n";
}

}  // namespace

MeanSd mean_sd(const std::vector<double>& values) {
  MeanSd m;
  double sum = 0;
  for (double v : values)
    if (std::isfinite(v)) {
      sum += v;
      ++m.count;
    }
  if (m.count == 0) return {std::nan(""), std::nan(""), 0};
  m.mean = sum / m.count;
  double squares = 0;
  for (double v : values)
    if (std::isfinite(v)) squares += (v - m.mean) * (v - m.mean);
  m.sd = m.count > 1 ? std::sqrt(squares / (m.count - 1)) : std::nan("");
  return m;
}

std::vector<std::vector<double>> performance_profile(const std::vector<std::vector<double>>& cost,
                                                     const std::vector<double>& taus) {
  const std::size_t solvers = cost.empty() ? 0 : cost[0].size();
  std::vector<std::vector<double>> profile(solvers, std::vector<double>(taus.size(), 0.0));
  for (const std::vector<double>& row : cost) {
    double best = INFINITY;
    for (double c : row)
      if (std::isfinite(c)) best = std::min(best, c);
    if (!std::isfinite(best)) continue;  // no solver solved it: counts against all
    for (std::size_t s = 0; s < solvers; ++s)
      for (std::size_t t = 0; t < taus.size(); ++t)
        if (std::isfinite(row[s]) && row[s] <= taus[t] * best) profile[s][t] += 1.0 / static_cast<double>(cost.size());
  }
  return profile;
}

std::string benchmark_tables(const BenchmarkConfig& config, const std::vector<nlohmann::json>& results) {
  const bool with_target = !config.target.empty();
  std::string text;
  for (const std::string& name : config.problems) {
    const Problem& problem = benchmark_problem(name);
    const int epochs = config.epochs > 0 ? config.epochs : problem.epochs;
    text += "### " + name + " (" + std::to_string(epochs) + (epochs == 1 ? " epoch" : " epochs") +
            (config.subset > 0 ? ", first " + std::to_string(config.subset) + " training examples" : "") + ")\n\n";
    text += "| optimizer | best lr | seeds | final train loss | final dev " +
            std::string(problem.classification ? "accuracy" : "loss") + " | test loss |" +
            (problem.classification ? " test accuracy | gap (train − test accuracy) |" : "") +
            (with_target ? " steps to " + config.target + " | seconds to " + config.target + " |" : "") + "\n";
    text += "| --- | ---: | ---: | ---: | ---: | ---: |" + std::string(problem.classification ? " ---: | ---: |" : "") +
            (with_target ? " ---: | ---: |" : "") + "\n";
    for (const std::string& optimizer : config.optimizers) {
      const std::vector<nlohmann::json> runs = best_runs(problem, optimizer, results);
      if (runs.empty()) {
        text += "| `" + optimizer + "` | (sweep not finished) |\n";
        continue;
      }
      text += "| `" + optimizer + "` | " + format("%.4g", runs[0]["lr"].get<double>()) + " | " +
              std::to_string(runs.size()) + " | " + cell(over_runs(runs, "train_loss"), false) + " | " +
              cell(over_runs(runs, problem.classification ? "dev_acc" : "dev_loss"), problem.classification) + " | " +
              cell(over_runs(runs, "test_loss"), false) + " |";
      if (problem.classification)
        text += " " + cell(over_runs(runs, "test_acc"), true) + " | " + cell(generalization_gap(runs), true) + " |";
      if (with_target) text += " " + target_cell(runs, "steps") + " | " + target_cell(runs, "seconds") + " |";
      text += "\n";
    }
    text += baseline_rows(problem, epochs, with_target) + "\n" + baseline_files(problem);
  }
  return text;
}

namespace {

// Mean and mean ± sd of a curve over runs, epoch by epoch (runs that stopped early end there).
struct Band {
  std::vector<double> epochs, mean, low, high;
};
Band band(const std::vector<nlohmann::json>& runs, const std::string& metric) {
  Band b;
  for (std::size_t e = 0;; ++e) {
    std::vector<double> values;
    for (const nlohmann::json& r : runs)
      if (r["curves"].contains(metric) && e < r["curves"][metric].size()) {
        const nlohmann::json& value = r["curves"][metric][e];
        values.push_back(value.is_number() ? value.get<double>() : std::nan(""));
      }
    if (values.empty()) return b;
    const MeanSd m = mean_sd(values);
    b.epochs.push_back(static_cast<double>(e + 1));
    b.mean.push_back(m.mean);
    b.low.push_back(m.count > 1 ? m.mean - m.sd : m.mean);
    b.high.push_back(m.count > 1 ? m.mean + m.sd : m.mean);
  }
}

viz::Rendered plot_curves(const Problem& problem, const BenchmarkConfig& config,
                          const std::vector<nlohmann::json>& results) {
  viz::Figure figure(960, 460);
  figure.title = problem.name + ": each optimizer at its best lr, mean over seeds with a ±1 sd band";
  figure.legend_below = true;
  viz::Panel& loss = figure.add_panel();
  loss.title = "Training loss";
  loss.x_label = "epoch";
  loss.x_integer = true;
  loss.y_scale = problem.classification || problem.name == "quadratic_deep" ? viz::Scale::log : viz::Scale::linear;
  viz::Panel& dev = figure.add_panel();
  const std::string dev_metric = problem.classification ? "dev_acc" : "dev_loss";
  dev.title = problem.classification ? "Dev accuracy" : "Dev loss";
  dev.x_label = "epoch";
  dev.x_integer = true;
  dev.y_percent = problem.classification;
  dev.y_scale = loss.y_scale == viz::Scale::log && !problem.classification ? viz::Scale::log : viz::Scale::linear;
  for (std::size_t i = 0; i < config.optimizers.size(); ++i) {
    const std::vector<nlohmann::json> runs = best_runs(problem, config.optimizers[i], results);
    if (runs.empty()) continue;
    const viz::Color color = viz::series_color(i);
    for (auto [panel, metric] : {std::pair{&loss, std::string("train_loss")}, std::pair{&dev, dev_metric}}) {
      const Band b = band(runs, metric);
      if (b.epochs.empty()) continue;
      if (runs.size() > 1) panel->band(config.optimizers[i] + " ± 1 sd", b.epochs, b.low, b.high, {.color = color});
      panel->line(config.optimizers[i], b.epochs, b.mean, {.color = color});
    }
  }
  return figure.render();
}

// Final dev score against lr for the seed-0 sweep, one line per optimizer (a diverged run is a gap).
viz::Rendered plot_sensitivity(const Problem& problem, const BenchmarkConfig& config,
                               const std::vector<nlohmann::json>& results) {
  viz::Figure figure(720, 440);
  viz::Panel& panel = figure.add_panel();
  const std::string metric = problem.classification ? "dev_acc" : "dev_loss";
  panel.title = problem.name + ": final " + metric + " against lr, seed 0";
  panel.x_label = "learning rate";
  panel.y_label = metric;
  panel.x_scale = viz::Scale::log;
  panel.y_percent = problem.classification;
  panel.y_scale = problem.name == "quadratic_deep" ? viz::Scale::log : viz::Scale::linear;
  // A loss more than kLossRange times the best one's is a diverged run: a gap, not a point that
  // would squash every other into the bottom of the axis.
  constexpr double kLossRange = 100;
  double best_loss = INFINITY;
  for (const nlohmann::json& r : results)
    if (r["problem"] == problem.name && r["seed"] == 0 && number(r["final"], metric) > 0)
      best_loss = std::min(best_loss, number(r["final"], metric));
  for (std::size_t i = 0; i < config.optimizers.size(); ++i) {
    std::map<double, double> by_lr;
    for (const nlohmann::json& r : results)
      if (r["problem"] == problem.name && r["optimizer"] == config.optimizers[i] && r["seed"] == 0)
        by_lr[r["lr"].get<double>()] = number(r["final"], metric);
    std::vector<double> lrs, values;
    for (const auto& [lr, value] : by_lr) {
      lrs.push_back(lr);
      values.push_back(!problem.classification && value > kLossRange * best_loss ? std::nan("") : value);
    }
    if (!lrs.empty()) panel.line(config.optimizers[i], lrs, values, {.color = viz::series_color(i)});
  }
  return figure.render();
}

// The cost of each (problem, optimizer) for the profiles: steps or seconds to the target (mean
// over the seeds that reached it; ∞ if none did), or without a target the final dev loss.
std::vector<std::vector<double>> profile_costs(const BenchmarkConfig& config,
                                               const std::vector<nlohmann::json>& results, const std::string& unit) {
  std::vector<std::vector<double>> cost;
  for (const std::string& name : config.problems) {
    std::vector<double> row;
    for (const std::string& optimizer : config.optimizers) {
      const std::vector<nlohmann::json> runs = best_runs(benchmark_problem(name), optimizer, results);
      std::vector<double> values;
      for (const nlohmann::json& r : runs)
        if (config.target.empty())
          values.push_back(number(r["final"], "dev_loss"));
        else if (r["target"]["reached"].is_object())
          values.push_back(number(r["target"]["reached"], unit));
      const MeanSd m = mean_sd(values);
      row.push_back(m.count > 0 && m.mean > 0 ? m.mean : INFINITY);
    }
    cost.push_back(row);
  }
  return cost;
}

viz::Rendered plot_profiles(const BenchmarkConfig& config, const std::vector<nlohmann::json>& results) {
  std::vector<double> taus;
  for (int i = 0; i <= 200; ++i) taus.push_back(std::pow(10.0, i / 100.0));  // τ from 1 to 100
  viz::Figure figure(960, 440);
  figure.title = config.target.empty() ? "Performance profiles: final dev loss relative to the best"
                                       : "Performance profiles (Dolan & Moré 2002): reaching " + config.target;
  figure.legend_below = true;
  const std::vector<std::string> units =
      config.target.empty() ? std::vector<std::string>{"loss"} : std::vector<std::string>{"steps", "seconds"};
  for (const std::string& unit : units) {
    viz::Panel& panel = figure.add_panel();
    panel.title = unit == "loss" ? "cost: final dev loss" : "cost: " + unit + " to the target";
    panel.x_label = "τ (cost / best cost on the problem)";
    panel.y_label = "fraction of problems within τ";
    panel.x_scale = viz::Scale::log;
    panel.y_min = 0;
    panel.y_max = 1;
    const auto profile = performance_profile(profile_costs(config, results, unit), taus);
    for (std::size_t s = 0; s < profile.size(); ++s)
      panel.line(config.optimizers[s], taus, profile[s], {.color = viz::series_color(s)});
  }
  return figure.render();
}

}  // namespace

std::vector<std::string> write_benchmark_report(const BenchmarkConfig& config,
                                                const std::vector<nlohmann::json>& results,
                                                const std::filesystem::path& run_dir) {
  std::string report = "# Benchmark\n\nProtocol: a sweep of `--lr-grid " + config.lr_grid + "` with seed 0 for " +
                       "each problem and optimizer; the learning rate with the best final dev " +
                       "score (accuracy for classification, loss otherwise) rerun with seeds 0 to " +
                       std::to_string(config.seeds - 1) + ". Values are mean ± standard deviation over those seeds; " +
                       "test scores are those of the epoch with the best dev score, as `descent train` reports " +
                       "them. DeepOBS baselines: " + deepobs_source() + "\n\n";
  report += benchmark_tables(config, results);
  std::vector<std::string> warnings;
  // A figure with nothing to draw (every run diverged in its first epoch) is left out, with a warning.
  const auto add_figure = [&](const std::string& file, const std::function<viz::Rendered()>& draw,
                              const std::string& caption) {
    viz::Rendered plot;
    try {
      plot = draw();
    } catch (const ValueError& e) {
      warnings.push_back(file + ": not drawn: " + e.what());
      return;
    }
    write_file_atomic(run_dir / file, plot.svg);
    for (const std::string& w : plot.warnings) warnings.push_back(file + ": " + w);
    report += "![" + caption + "](" + file + ")\n\n";
  };
  for (const std::string& name : config.problems) {
    const Problem& problem = benchmark_problem(name);
    add_figure(
        "curves_" + name + ".svg", [&] { return plot_curves(problem, config, results); }, name + " learning curves");
    add_figure(
        "lr_" + name + ".svg", [&] { return plot_sensitivity(problem, config, results); },
        name + " learning-rate sensitivity");
  }
  add_figure(
      "profile.svg", [&] { return plot_profiles(config, results); }, "performance profiles");
  write_file_atomic(run_dir / "report.md", report);
  return warnings;
}

}  // namespace descent
