// Loading a training run's saved weights with its configuration, for eval and landscape.
#include "descent/cli/saved_weights.hpp"

#include <nlohmann/json.hpp>

#include "descent/core/error.hpp"

namespace descent::cli {

SavedWeights load_saved_weights(const std::string& path, const std::string& data) {
  SafetensorsFile file = load_safetensors(path);
  const auto it = file.metadata.find("descent_config");
  if (it == file.metadata.end())
    throw IOError(path + ": no descent_config in the safetensors metadata; was it written by descent train?");
  TrainConfig config = nlohmann::json::parse(it->second).get<TrainConfig>();
  if (!data.empty()) config.data = data;
  config.random_labels = 0;
  return {.file = std::move(file), .config = std::move(config)};
}

void add_saved_weights_flags(CLI::App& app, std::string& weights, std::string& data) {
  app.add_option("--weights", weights, "a .safetensors file written by descent train (RUN_DIR/best.safetensors)")
      ->required();
  app.add_option("--data", data, "mnist, fashion-mnist or a PATH (default: the data the weights were trained on)");
}

const Dataset& split_named(const DataSplits& splits, const std::string& name) {
  if (name == "train") return splits.train;
  if (name == "dev") return splits.dev;
  if (name == "test") return splits.test;
  throw ValueError("--split must be train, dev or test, got '" + name + "'");
}

}  // namespace descent::cli
