// `descent train`: train a model on a dataset and report as seed 002's training loop does.
// With no flags it is the main job: an MLP on MNIST with Adam.
#include <iostream>
#include <memory>

#include "descent/cli/command.hpp"
#include "descent/cli/train_flags.hpp"
#include "descent/train/run.hpp"

namespace descent::cli {
namespace {

Run setup(CLI::App& app) {
  auto f = std::make_shared<TrainFlags>();
  add_train_flags(app, *f);
  app.add_option("--optimizer", f->config.optimizer, kOptimizerFlagHelp)->capture_default_str();
  app.add_option("--out", f->config.out, "RUN_DIR for config.json, metrics.jsonl, summary.json, best.safetensors "
                                         "(default: runs/train-DATE-TIME)");
  return [f] {
    TrainConfig& c = f->config;
    if (c.out.empty()) {
      char stamp[32];
      const std::time_t now = std::time(nullptr);
      std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
      c.out = std::string("runs/train-") + stamp;
    }
    const FitResult r = run_training(c, f->param_groups);
    if (!c.quiet) std::cout << "wrote " << c.out << "/{config.json,metrics.jsonl,summary.json,best.safetensors}\n";
    if (r.diverged) {
      std::cerr << "descent: error: " << r.stop_reason << "\n";
      return 3;
    }
    return 0;
  };
}

const Command train_command{"train", "Train a model on a dataset and report per epoch (the main job: descent train)", setup};

}  // namespace
}  // namespace descent::cli
