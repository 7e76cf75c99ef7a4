// `descent benchmark`: the DeepOBS protocol (Schneider et al. 2019, §4; Schmidt et al. 2021,
// "Descending through a Crowded Valley") for any optimizer. For each problem and optimizer, a
// log-spaced learning-rate sweep with seed 0; the learning rate with the best final dev score
// is then rerun with seeds 1, 2, ... Each run is an ordinary fit() in a worker process of its
// own, and its metrics are appended to RUN_DIR/results.jsonl as it ends, so a killed benchmark
// continues where it stopped and gives the same results whatever the number of workers.
#pragma once
#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "descent/train/benchmark_problems.hpp"

namespace descent {

struct BenchmarkConfig {
  std::vector<std::string> problems;
  std::vector<std::string> optimizers;  // specs without lr: the grid sets it
  std::string lr_grid = "1e-5:1e2:36";  // FROM:TO:COUNT (log-spaced, both ends included) or a comma list
  int seeds = 3;                        // the best lr is run with seeds 0 .. seeds-1
  int epochs = 0;                       // 0: each problem's own
  int64_t subset = 0;                   // > 0: the first N training examples only
  std::string target;                   // METRIC=VALUE, e.g. dev_acc=0.92 ("" for none)
  int threads = 1;                      // per run (runs in parallel are processes)
};
void to_json(nlohmann::json& j, const BenchmarkConfig& config);
void from_json(const nlohmann::json& j, BenchmarkConfig& config);

// The learning rates of a grid spec: "FROM:TO:COUNT" (COUNT log-spaced points, both ends
// included; COUNT 1 is FROM) or "LR,LR,...". ValueError naming the spec for an empty grid, a
// non-positive rate or a malformed number.
std::vector<double> parse_lr_grid(const std::string& spec);

// The metrics a run reports, and which ones a problem has (accuracies for classification only).
inline const std::vector<std::string> kRunMetrics = {"train_loss", "train_acc", "dev_loss",
                                                     "dev_acc",    "test_loss", "test_acc"};
bool higher_is_better(const std::string& metric);  // accuracies
struct Target {
  std::string metric;
  double value = 0;
};
// "METRIC=VALUE"; ValueError for a metric that one of the problems does not report.
Target parse_target(const std::string& spec, const std::vector<const Problem*>& problems);

// One run of the protocol.
struct RunSpec {
  std::string problem, optimizer;  // the optimizer spec as given (without lr)
  double lr = 0;
  uint64_t seed = 0;
  std::string key() const;      // "problem|optimizer|lr|seed": a run's identity in results.jsonl
  std::string with_lr() const;  // the optimizer spec with this lr
};

// Checks everything a benchmark is told before any run: problems, optimizer specs (no lr in
// them), grid, seeds, epochs and the target. ValueError with one line naming what is wrong.
void validate(const BenchmarkConfig& config);

// The sweep: every problem × optimizer × grid lr with seed 0.
std::vector<RunSpec> sweep_runs(const BenchmarkConfig& config);
// The seed reruns: for each problem and optimizer, the best lr of the sweep's `results` (by
// final dev accuracy for classification, final dev loss otherwise; diverged runs last) with
// seeds 1 .. seeds-1. Empty until the sweep of that pair is complete.
std::vector<RunSpec> seed_runs(const BenchmarkConfig& config, const std::vector<nlohmann::json>& results);
// The best lr of one problem and optimizer among `results` with seed 0, if any.
std::optional<double> best_lr(const Problem& problem, const std::string& optimizer,
                              const std::vector<nlohmann::json>& results);

// Trains one run in this process and returns its results.jsonl object: the run's identity, the
// final metrics, the epoch curves, the steps and seconds to the target, and whether it diverged.
nlohmann::json run_one(const BenchmarkConfig& config, const RunSpec& run);

// An identity of the settings that decide a run's results (not the optimizers or problems
// listed, which may grow between sittings): each results.jsonl line carries it.
std::string config_id(const BenchmarkConfig& config);

// RUN_DIR's results.jsonl, each line checked to come from this configuration (IOError naming
// the line otherwise). A last line cut short by a kill is dropped (and the file rewritten).
std::vector<nlohmann::json> read_results(const std::filesystem::path& run_dir, const BenchmarkConfig& config);

// Runs `runs` in up to `jobs` worker processes at a time (fork), calling `on_result` in this
// process with each finished run's object, in the order they finish. A worker that fails stops
// the benchmark after the running ones end: Error with its message.
void run_in_workers(const BenchmarkConfig& config, const std::vector<RunSpec>& runs, int jobs,
                    const std::filesystem::path& scratch, const std::function<void(const nlohmann::json&)>& on_result);

// The whole protocol into RUN_DIR: writes benchmark.json (the configuration) with the first result,
// skips runs already in results.jsonl, appends each new one. `progress` gets one line per run.
std::vector<nlohmann::json> run_benchmark(const BenchmarkConfig& config, const std::filesystem::path& run_dir, int jobs,
                                          const std::function<void(const std::string&)>& progress = {});

}  // namespace descent
