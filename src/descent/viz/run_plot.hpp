// plot_runs: training curves of one or more runs side by side — training loss per epoch (left)
// and dev accuracy per epoch (right; training accuracy when no run logged dev_acc), one
// colour per run (legend in the loss panel; under both panels for more than 4 runs).
// `descent plot` and `descent compare` draw with it.
//
//   std::vector<viz::RunLog> runs = viz::read_runs({"runs/sgd", "runs/adam"});
//   viz::Rendered out = viz::plot_runs(runs, {.loss_scale = viz::Scale::log});
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "descent/viz/figure.hpp"
#include "descent/viz/metrics_reader.hpp"

namespace descent::viz {

struct RunLog {
  std::string name;  // legend text: the run folder's name
  MetricsLog metrics;
};

// Reads RUN_DIR/metrics.jsonl for each directory (or the file itself if given a file). Runs
// are named by their folder; folders with the same name get their parent folder prefixed
// ("a/adam", "b/adam"). Throws IOError for a missing, empty or malformed metrics file.
std::vector<RunLog> read_runs(const std::vector<std::filesystem::path>& run_dirs);

struct RunPlotOptions {
  std::string title{};
  Scale loss_scale = Scale::linear;
  double width = 960, height = 420;
  bool train_accuracy = false;  // also draw each run's training accuracy (dashed) beside its dev accuracy
};

// Throws ValueError naming the file if a run has no train_loss values.
Rendered plot_runs(const std::vector<RunLog>& runs, const RunPlotOptions& options = {});

}  // namespace descent::viz
