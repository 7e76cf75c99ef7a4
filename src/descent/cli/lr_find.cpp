// `descent lr-find [train flags] --optimizer SPEC --out DIR`: the learning-rate range test
// (Smith 2017, §3.3) on the model and data `descent train` would build; writes DIR/lr_find.svg
// and DIR/lr_find.json and prints the suggested rates. No weights are written.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "descent/cli/command.hpp"
#include "descent/cli/train_flags.hpp"
#include "descent/io/atomic_file.hpp"
#include "descent/train/lr_find.hpp"

namespace descent::cli {
namespace {

struct LrFindFlags {
  TrainFlags train;
  LrFindOptions range;
  std::string out;
};

int run(LrFindFlags& f) {
  TrainConfig& config = f.train.config;
  config.quiet = true;
  const LrFindResult result = lr_find(config, f.train.param_groups, f.range);
  std::filesystem::create_directories(f.out);
  const viz::Rendered plot = plot_lr_find(result, config.model + " on " + config.data + ", " + config.optimizer);
  write_file_atomic(std::filesystem::path(f.out) / "lr_find.svg", plot.svg);
  const nlohmann::json j = {{"lr", result.lrs},
                            {"loss", result.losses},
                            {"smoothed", result.smoothed},
                            {"diverged", result.diverged},
                            {"steepest_lr", result.steepest_lr},
                            {"minimum_lr", result.minimum_lr},
                            {"suggested_lr", result.suggested_lr()}};
  write_file_atomic(std::filesystem::path(f.out) / "lr_find.json", j.dump(1) + "\n");
  char line[300];
  std::snprintf(line, sizeof line,
                "%zu steps from lr %.3g to %.3g%s\nsteepest descent of the smoothed loss at lr %.3g\n"
                "minimum of the smoothed loss at lr %.3g; before divergence, suggest lr %.3g\n",
                result.lrs.size(), result.lrs.front(), result.lrs.back(),
                result.diverged ? " (stopped: the smoothed loss diverged)" : "", result.steepest_lr, result.minimum_lr,
                result.suggested_lr());
  std::cout << line << "wrote " << f.out << "/{lr_find.svg,lr_find.json}\n";
  return 0;
}

void add_flags(CLI::App& app, LrFindFlags& f) {
  add_train_flags(app, f.train);
  app.add_option("--optimizer", f.train.config.optimizer, kOptimizerFlagHelp)->capture_default_str();
  app.add_option("--out", f.out, "DIR for lr_find.svg and lr_find.json")->required();
  app.add_option("--start-lr", f.range.start_lr, "the first step's learning rate")->capture_default_str();
  app.add_option("--end-lr", f.range.end_lr, "the last step's learning rate")->capture_default_str();
  app.add_option("--steps", f.range.steps, "steps from --start-lr to --end-lr, the rate growing exponentially")
      ->capture_default_str();
  app.add_option("--smoothing", f.range.smoothing, "weight of the loss's moving average (bias-corrected)")
      ->capture_default_str();
  app.add_option("--diverge", f.range.diverge, "stop once the smoothed loss exceeds this many times its minimum")
      ->capture_default_str();
}

const Command lr_find_command{"lr-find",
                              "Learning-rate range test (Smith 2017): loss against an exponentially rising lr",
                              setup_with<LrFindFlags>(add_flags, run)};

}  // namespace
}  // namespace descent::cli
