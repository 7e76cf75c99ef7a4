// The flags `descent train` and `descent compare` share: every TrainConfig field except the
// optimizer and the output folder, which each command binds its own way (compare takes several
// optimizers and writes one run folder per optimizer under --out).
#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "descent/train/config.hpp"

namespace descent::cli {

struct TrainFlags {
  TrainConfig config;
  std::vector<std::string> param_groups;  // --param-group PATTERN:key=value,...
  bool overwrite = false;                 // --overwrite: delete the run in --out first
};

// Binds the data, model, objective, schedule and run flags to `flags` (defaults shown in --help).
void add_train_flags(CLI::App& app, TrainFlags& flags);

// The help text of --optimizer, shared so both commands describe specs alike.
inline constexpr const char* kOptimizerFlagHelp =
    "NAME:key=value,... with PyTorch's names, e.g. sgd:lr=0.1,momentum=0.9,nesterov=true or "
    "adam:lr=1e-3,betas=0.9/0.999 (see `descent optimizers`)";

}  // namespace descent::cli
