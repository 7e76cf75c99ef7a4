// Loading a training run's saved weights with its configuration, for eval, predict and landscape.
#include "descent/cli/saved_weights.hpp"

#include <iostream>
#include <nlohmann/json.hpp>

#include "descent/core/error.hpp"
#include "descent/core/threads.hpp"
#include "descent/train/run.hpp"

namespace descent::cli {

SavedWeights load_saved_weights(const std::string& path, const std::string& data) {
  SafetensorsFile file = load_safetensors(path);
  if (file.metadata.contains("descent_checkpoint"))
    throw IOError(path +
                  " is a training checkpoint, not a run's weights; pass --weights RUN_DIR/best.safetensors "
                  "(or continue the run with descent train --resume RUN_DIR)");
  const auto it = file.metadata.find("descent_config");
  if (it == file.metadata.end())
    throw IOError(path + ": no descent_config in the safetensors metadata; was it written by descent train?");
  TrainConfig config;
  try {
    config = nlohmann::json::parse(it->second).get<TrainConfig>();
  } catch (const nlohmann::json::exception&) {
    throw IOError(path +
                  ": the descent_config in its metadata is not valid JSON with descent train's keys; the "
                  "file is damaged");
  }
  if (!file.checksummed)
    std::cerr << "descent: note: " << path << " has no checksums (written before descent added them); its weights "
              << "cannot be verified\n";
  if (!data.empty()) config.data = data;
  config.random_labels = 0;
  return {.file = std::move(file), .config = std::move(config)};
}

void add_saved_weights_flags(CLI::App& app, SavedWeightsFlags& flags, const std::string& split_help) {
  app.add_option("--weights", flags.weights, "a .safetensors file written by descent train (RUN_DIR/best.safetensors)")
      ->required();
  app.add_option("--data", flags.data,
                 "mnist, fashion-mnist or a PATH (default: the data the weights were trained on)");
  app.add_option("--split", flags.split, split_help)->capture_default_str();
  app.add_option("--threads", flags.threads, "threads (0: one per core)")->capture_default_str();
}

const Dataset& split_named(const DataSplits& splits, const std::string& name) {
  if (name == "train") return splits.train;
  if (name == "dev") return splits.dev;
  if (name == "test") return splits.test;
  throw ValueError("--split must be train, dev or test, got '" + name + "'");
}

SavedModel load_saved_model(const SavedWeightsFlags& flags) {
  SavedWeights saved = load_saved_weights(flags.weights, flags.data);
  set_num_threads(flags.threads);
  SavedModel loaded{.config = std::move(saved.config), .splits = {}, .model = nullptr, .split = flags.split};
  loaded.splits = load_splits(loaded.config);
  loaded.model = build_model(loaded.config, loaded.part().item_shape, loaded.splits.train.num_outputs());
  try {
    loaded.model->load_state_dict(saved.file.tensors);
  } catch (const ShapeError& e) {
    throw ShapeError(flags.weights + " does not fit the data " + loaded.config.data + " (" + e.what() +
                     "); pass the --data it was trained on, or data of the same shape and classes");
  }
  return loaded;
}

}  // namespace descent::cli
