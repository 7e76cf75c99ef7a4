// What `descent eval` and `descent landscape` share: the weights a training run saved, the
// configuration it was trained with (kept in the file's metadata by `descent train`), and the
// part of the data to evaluate them on.
#pragma once
#include <CLI/CLI.hpp>
#include <string>

#include "descent/data/dataset.hpp"
#include "descent/io/safetensors.hpp"
#include "descent/train/config.hpp"

namespace descent::cli {

struct SavedWeights {
  SafetensorsFile file;
  TrainConfig config;  // the run's, with the --data override and random labels off
};

// Reads a .safetensors file written by `descent train` and the TrainConfig in its metadata;
// `data`, if not empty, replaces the data set the run trained on. Random labels are turned off:
// an evaluation measures the true labels. Throws IOError if the file has no descent_config.
SavedWeights load_saved_weights(const std::string& path, const std::string& data);

// The flags that say what load_saved_weights reads (--weights, --data), which part of the data
// to evaluate on (--split; a command sets its default) and with how many threads.
struct SavedWeightsFlags {
  std::string weights = {};
  std::string data = {};
  std::string split = {};
  int threads = 0;
};

// --weights FILE (required), --data, --split (described by `split_help`) and --threads.
void add_saved_weights_flags(CLI::App& app, SavedWeightsFlags& flags, const std::string& split_help);

// splits.train, splits.dev or splits.test, named by --split; throws ValueError for other names.
const Dataset& split_named(const DataSplits& splits, const std::string& name);

}  // namespace descent::cli
