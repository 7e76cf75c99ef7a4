// Reading runs and drawing their loss and accuracy panels.
#include "descent/viz/run_plot.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "descent/core/error.hpp"

namespace descent::viz {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t max_inside_legend = 4;
constexpr std::size_t palette_size = 8;  // series_color cycles after 8

// "runs/adam/" and "runs/adam" are both "adam"; "." is the current folder's name.
fs::path run_folder(const fs::path& dir) {
  fs::path p = fs::absolute(dir).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p;
}

}  // namespace

std::vector<RunLog> read_runs(const std::vector<fs::path>& run_dirs) {
  if (run_dirs.empty()) throw ValueError("plot: no run directories given");
  std::vector<RunLog> runs;
  std::vector<fs::path> folders;
  for (const fs::path& dir : run_dirs) {
    bool is_file = fs::is_regular_file(dir);
    fs::path file = is_file ? dir : dir / "metrics.jsonl";
    if (!is_file && !fs::is_directory(dir)) throw IOError("run directory " + dir.string() + " does not exist");
    if (!fs::exists(file)) throw IOError("run directory " + dir.string() + " has no metrics.jsonl");
    fs::path folder = run_folder(is_file ? dir.parent_path().empty() ? fs::path(".") : dir.parent_path() : dir);
    folders.push_back(folder);
    runs.push_back({folder.filename().string(), read_metrics(file)});
  }
  std::map<std::string, int> count;
  for (const RunLog& run : runs) ++count[run.name];
  for (std::size_t i = 0; i < runs.size(); ++i)
    if (count[runs[i].name] > 1) runs[i].name = (folders[i].parent_path().filename() / folders[i].filename()).string();
  return runs;
}

Rendered plot_runs(const std::vector<RunLog>& runs, const RunPlotOptions& options) {
  if (runs.empty()) throw ValueError("plot: no runs to plot");
  bool any_dev = std::any_of(runs.begin(), runs.end(), [](const RunLog& r) { return r.metrics.has("dev_acc"); });
  std::string accuracy = any_dev ? "dev_acc" : "train_acc";
  bool fractions = true;  // accuracies logged in [0, 1] are shown as percentages
  for (const RunLog& run : runs) {
    if (!run.metrics.has("train_loss"))
      throw ValueError(run.metrics.file.string() + ": no \"train_loss\" values to plot");
    for (double v : run.metrics.column(accuracy))
      if (std::isfinite(v) && v > 1) fractions = false;
  }

  Figure figure(options.width, options.height + (options.title.empty() ? 0 : 30));
  figure.title = options.title;
  // A few runs fit in a corner of the loss panel; more go in columns under both panels.
  figure.legend_below = runs.size() > max_inside_legend;
  Panel& loss = figure.add_panel();
  loss.title = "Training loss";
  loss.x_label = "epoch";
  loss.y_label = options.loss_scale == Scale::log ? "loss (log scale)" : "loss";
  loss.y_scale = options.loss_scale;
  loss.x_integer = true;
  Panel& acc = figure.add_panel();
  const bool both = options.train_accuracy && any_dev;
  acc.title = both ? "Dev accuracy (training: dashed)" : any_dev ? "Dev accuracy" : "Training accuracy";
  acc.x_label = "epoch";
  acc.y_label = fractions ? "accuracy" : "accuracy (%)";
  acc.y_percent = fractions;
  acc.x_integer = true;
  acc.show_legend = false;  // the same runs in the same colours as the loss panel's legend
  for (std::size_t i = 0; i < runs.size(); ++i) {
    std::vector<double> epochs = runs[i].metrics.column("epoch");
    // Past the 8 palette colours, colours repeat with dashed lines.
    LineOptions style{series_color(i), 2.0, i >= palette_size};
    loss.line(runs[i].name, epochs, runs[i].metrics.column("train_loss"), style);
    acc.line(runs[i].name, epochs, runs[i].metrics.column(accuracy), style);
    if (both && runs[i].metrics.has("train_acc"))
      acc.line(runs[i].name + " (training)", epochs, runs[i].metrics.column("train_acc"),
               LineOptions{series_color(i), 1.5, true});
  }
  return figure.render();
}

}  // namespace descent::viz
