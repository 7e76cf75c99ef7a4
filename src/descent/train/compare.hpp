// Comparing optimizers on one problem (the seeds' comparison of SGD, momentum, Nesterov, AdaGrad,
// RMSProp and Adam on MNIST): the same model from the same initialization, trained on the same
// minibatches in the same order, once per optimizer spec; then a table and curves side by side.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "descent/train/config.hpp"
#include "descent/train/fit.hpp"
#include "descent/viz/figure.hpp"

namespace descent {

struct CompareRun {
  std::string spec;           // the optimizer spec, as given
  std::filesystem::path dir;  // its run folder (config.json, metrics.jsonl, summary.json, best.safetensors)
  FitResult result;
};

struct Comparison {
  std::vector<CompareRun> runs;
  bool classification = true;  // accuracies in the table and plots; dev and test loss otherwise
};

// Run folder names for specs: the spec with characters other than letters, digits and ._=-
// turned into '_' ("sgd:lr=0.1,momentum=0.9" -> "sgd_lr=0.1_momentum=0.9"); a repeated name gets
// "-2", "-3", ... appended.
std::vector<std::string> run_folder_names(const std::vector<std::string>& specs);

// Trains base (with its optimizer replaced by each spec in turn) into base.out/NAME. Every spec is
// checked before any training starts; an unknown optimizer or a bad hyperparameter throws
// ValueError naming the spec. Throws ValueError for no specs or an empty base.out.
Comparison compare_optimizers(const TrainConfig& base, const std::vector<std::string>& specs,
                              const std::vector<std::string>& param_groups = {});

// The Markdown table: optimizer, final training loss, best dev accuracy (and its epoch), test
// accuracy, seconds; diverged or early-stopped runs say so in a note under the table.
std::string comparison_table(const Comparison& comparison);

// Training loss (log scale) and dev accuracy per epoch, one colour per optimizer.
viz::Rendered plot_comparison_epochs(const Comparison& comparison, const std::string& title = "");
// Training loss per step, smoothed by an exponential moving average with this weight
// (viz::smooth_ema), log scale.
viz::Rendered plot_comparison_steps(const Comparison& comparison, double smoothing, const std::string& title = "");

// Writes DIR/table.md, DIR/epochs.svg and DIR/steps.svg; returns the plots' warnings (cut points).
std::vector<std::string> write_comparison(const Comparison& comparison, const std::filesystem::path& dir,
                                          double smoothing);

}  // namespace descent
