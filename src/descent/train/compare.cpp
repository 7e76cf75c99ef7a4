// Training once per optimizer from identical starting points, and the table and plots of the runs.
#include "descent/train/compare.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>

#include "descent/core/error.hpp"
#include "descent/io/atomic_file.hpp"
#include "descent/optim/factory.hpp"
#include "descent/train/run.hpp"
#include "descent/viz/smooth.hpp"

namespace descent {

namespace {

// Builds the optimizer over a stand-in parameter, so a typo in the last spec is reported before
// the first run trains for minutes.
void check_spec(const std::string& spec) {
  Tensor stand_in = Tensor::zeros({1});
  stand_in.requires_grad_();
  try {
    optim::make_optimizer(spec, std::vector<Tensor>{stand_in});
  } catch (const Error& e) {
    throw ValueError("--optimizer '" + spec + "': " + e.what());
  }
}

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

// Markdown's inline code cannot hold a backtick; specs never contain one, but names come from users.
std::string code(const std::string& text) {
  std::string out = text;
  for (char& c : out)
    if (c == '`') c = '\'';
  return "`" + out + "`";
}

// Below five series the legend fits inside a panel; more would hide the curves.
constexpr std::size_t kMaxInsideLegend = 4;

}  // namespace

std::vector<std::string> run_folder_names(const std::vector<std::string>& specs) {
  std::vector<std::string> names;
  std::map<std::string, int> seen;
  for (const std::string& spec : specs) {
    std::string name = spec;
    for (char& c : name) {
      const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '=' || c == '-';
      if (!keep) c = '_';
    }
    if (name.empty()) name = "run";
    const int count = ++seen[name];
    names.push_back(count == 1 ? name : name + "-" + std::to_string(count));
  }
  return names;
}

Comparison compare_optimizers(const TrainConfig& base, const std::vector<std::string>& specs,
                              const std::vector<std::string>& param_groups) {
  if (specs.empty()) throw ValueError("compare: give at least one --optimizer SPEC");
  if (base.out.empty()) throw ValueError("compare: --out DIR is required (one run folder per optimizer goes there)");
  base.validate();
  check_schedule(base);
  for (const std::string& spec : specs) check_spec(spec);

  Comparison comparison;
  // The data are checked (and the task's kind learned) before any run starts.
  comparison.classification = load_splits(base).train.is_classification();
  const std::vector<std::string> names = run_folder_names(specs);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    // run_training seeds the initialization, the loader's shuffling and dropout from config.seed
    // alone, so every run starts from the same weights and sees the same minibatches.
    TrainConfig config = base;
    config.optimizer = specs[i];
    config.out = (std::filesystem::path(base.out) / names[i]).string();
    CompareRun run{.spec = specs[i], .dir = config.out, .result = run_training(config, param_groups)};
    comparison.runs.push_back(std::move(run));
  }
  return comparison;
}

std::string comparison_table(const Comparison& c) {
  std::string table = c.classification
                          ? "| optimizer | final training loss | best dev accuracy | test accuracy | time |\n"
                            "| --- | ---: | ---: | ---: | ---: |\n"
                          : "| optimizer | final training loss | best dev loss | test loss | time |\n"
                            "| --- | ---: | ---: | ---: | ---: |\n";
  std::string notes;
  for (const CompareRun& run : c.runs) {
    const FitResult& r = run.result;
    const std::string final_loss = r.history.empty() ? "—" : format("%.4f", r.history.back().train_loss);
    const std::string epoch = " (epoch " + std::to_string(r.best_epoch) + ")";
    const std::string best = r.history.empty()  ? "—"
                             : c.classification ? format("%.2f%%", 100 * r.best_dev_acc) + epoch
                                                : format("%.4g", r.best_dev_loss) + epoch;
    const std::string test = c.classification ? format("%.2f%%", 100 * r.test_acc) : format("%.4g", r.test_loss);
    table += "| " + code(run.spec) + " | " + final_loss + " | " + best + " | " + test + " | " +
             format("%.2f s", r.seconds) + " |\n";
    if (!r.stop_reason.empty()) notes += "- " + code(run.spec) + ": " + r.stop_reason + "\n";
  }
  return notes.empty() ? table : table + "\n" + notes;
}

viz::Rendered plot_comparison_epochs(const Comparison& c, const std::string& title) {
  viz::Figure figure(960, 440);
  figure.title = title;
  figure.legend_below = c.runs.size() > kMaxInsideLegend;
  viz::Panel& loss = figure.add_panel();
  loss.title = "Training loss per epoch";
  loss.x_label = "epoch";
  loss.y_label = "training loss";
  loss.y_scale = viz::Scale::log;
  loss.x_integer = true;
  viz::Panel& dev = figure.add_panel();
  dev.title = c.classification ? "Dev accuracy per epoch" : "Dev loss per epoch";
  dev.x_label = "epoch";
  dev.y_label = c.classification ? "dev accuracy" : "dev loss";
  dev.y_percent = c.classification;
  dev.y_scale = c.classification ? viz::Scale::linear : viz::Scale::log;
  dev.x_integer = true;
  for (std::size_t i = 0; i < c.runs.size(); ++i) {
    std::vector<double> epochs, train_loss, dev_metric;
    for (const EpochMetrics& m : c.runs[i].result.history) {
      epochs.push_back(m.epoch);
      train_loss.push_back(m.train_loss);
      dev_metric.push_back(c.classification ? m.dev_acc : m.dev_loss);
    }
    // A run that diverged in its first epoch has no point to draw; the table notes it.
    if (epochs.empty()) continue;
    const viz::LineOptions style{.color = viz::series_color(i)};
    loss.line(c.runs[i].spec, epochs, train_loss, style);
    dev.line(c.runs[i].spec, epochs, dev_metric, style);
  }
  if (loss.items().empty()) throw ValueError("compare: no run finished an epoch, so there is nothing to plot");
  return figure.render();
}

viz::Rendered plot_comparison_steps(const Comparison& c, double smoothing, const std::string& title) {
  std::size_t longest = 0;
  for (const CompareRun& run : c.runs) longest = std::max(longest, run.result.step_losses.size());
  if (longest == 0) throw ValueError("compare: no run took a step, so there is nothing to plot");
  std::vector<double> steps(longest);
  for (std::size_t s = 0; s < longest; ++s) steps[s] = static_cast<double>(s + 1);

  viz::Figure figure(960, 480);
  figure.title = title;
  figure.legend_below = c.runs.size() > kMaxInsideLegend;
  viz::Panel& panel = figure.add_panel();
  panel.title = "Training loss per step (exponential moving average, weight " + format("%g", smoothing) + ")";
  panel.x_label = "step";
  panel.y_label = "training loss";
  panel.y_scale = viz::Scale::log;
  panel.x_integer = true;
  for (std::size_t i = 0; i < c.runs.size(); ++i) {
    std::vector<double> y = viz::smooth_ema(c.runs[i].result.step_losses, smoothing);
    // Runs that stopped early end there: the missing steps are left blank, not drawn.
    y.resize(longest, std::nan(""));
    panel.line(c.runs[i].spec, steps, y, {.color = viz::series_color(i), .width = 1.5});
  }
  return figure.render();
}

std::vector<std::string> write_comparison(const Comparison& c, const std::filesystem::path& dir, double smoothing) {
  std::filesystem::create_directories(dir);
  write_file_atomic(dir / "table.md", comparison_table(c));
  std::vector<std::string> warnings;
  for (const auto& [file, plot] : {std::pair{"epochs.svg", plot_comparison_epochs(c)},
                                   std::pair{"steps.svg", plot_comparison_steps(c, smoothing)}}) {
    write_file_atomic(dir / file, plot.svg);
    for (const std::string& w : plot.warnings) warnings.push_back(std::string(file) + ": " + w);
  }
  return warnings;
}

}  // namespace descent
