// What `descent eval`, `descent predict` and `descent landscape` share: the weights a training run saved, the
// configuration it was trained with (kept in the file's metadata by `descent train`), and the
// part of the data to evaluate them on.
#pragma once
#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "descent/data/dataset.hpp"
#include "descent/io/safetensors.hpp"
#include "descent/nn/layers.hpp"
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

// A saved model rebuilt for inference: the run's configuration, its data split as it was split in
// training, and the model holding the saved weights.
struct SavedModel {
  TrainConfig config;
  DataSplits splits;
  std::shared_ptr<Sequential> model;
  std::string split;  // the part --split names

  const Dataset& part() const { return split_named(splits, split); }
};

// Loads the weights and the data the flags name and rebuilds the model on --threads threads.
// Weights that do not fit the data's shape or classes (another data set's --data) are refused
// with one line naming both.
SavedModel load_saved_model(const SavedWeightsFlags& flags);

}  // namespace descent::cli
