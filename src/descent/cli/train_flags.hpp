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

// The help text of --model, shared by train, compare, summary and landscape.
inline constexpr const char* kModelFlagHelp =
    "linear, mlp:H1-H2-... (hidden sizes), lenet5, 2c2d, 3c3d, resnetN or plainN (N = 6n+2: 20, 32, 56), or "
    "cnn:LAYER-LAYER-... with layers cOUTkK[pP][sS][same] (conv), mK[sS][pP][same] (max-pool), aK[sS][pP] "
    "(avg-pool), fN (fully connected), e.g. cnn:c32k5p2-m2-c64k5p2-m2-f1024; sizes of input and output come from "
    "the data (see docs/convolution.md)";

}  // namespace descent::cli
