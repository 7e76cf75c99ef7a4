// save_training and load_training: a custom loop's checkpoint, stored through the command's
// checkpoint format (train/checkpoint.cpp) so it shares its atomic write and its checksum.
#include "descent/train/training_io.hpp"

#include <nlohmann/json.hpp>

#include "descent/core/error.hpp"
#include "descent/core/rng.hpp"
#include "descent/train/checkpoint.hpp"

namespace descent {
namespace {

// The progress part of a custom loop's checkpoint: marked so the command refuses it as its own.
constexpr const char* kCustomLoop = "custom_loop";

nlohmann::json parse_json(const std::string& text, const std::string& what) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw ValueError(what + " is not valid JSON: " + e.what());
  }
}

// A missing part on one side and a present one on the other is a loop that changed between the
// save and the load: restoring only some of it would resume on other numbers.
void check_presence(bool saved, bool given, const std::string& what, const std::filesystem::path& path) {
  if (saved && !given)
    throw ValueError("load_training: " + path.string() + " holds a " + what + " state; pass the " + what +
                     " the loop was saved with");
  if (!saved && given)
    throw ValueError("load_training: " + path.string() + " holds no " + what + " state; pass nullptr for the " + what);
}

}  // namespace

void save_training(const std::filesystem::path& path, const Module& model, const optim::Optimizer& optimizer,
                   const optim::LRScheduler* scheduler, const DataLoader* loader, const std::string& extra_json) {
  TrainingState state;
  state.config = parse_json(extra_json, "save_training: extra_json").dump();
  state.model = model.state_dict();
  state.optimizer = optimizer.state_dict();
  if (scheduler) state.scheduler = scheduler->state_dict().dump();
  nlohmann::json progress = {{"kind", kCustomLoop}};
  if (loader) progress["loader"] = loader->state();
  const Generator::State words = default_generator().state();
  progress["default_generator"] = std::vector<uint64_t>(words.begin(), words.end());
  state.progress = progress.dump();
  save_checkpoint(path, state);
}

std::string load_training(const std::filesystem::path& path, Module& model, optim::Optimizer& optimizer,
                          optim::LRScheduler* scheduler, DataLoader* loader) {
  const TrainingState state = load_checkpoint(path);
  // Every JSON part is read before anything changes, so a malformed file changes nothing.
  const nlohmann::json progress = parse_json(state.progress, "load_training: the progress of " + path.string());
  if (!progress.is_object() || progress.value("kind", "") != kCustomLoop)
    throw ValueError("load_training: " + path.string() +
                     " is a checkpoint of `descent train`; resume it with `descent train --resume`");
  const nlohmann::json scheduler_state = parse_json(state.scheduler, "load_training: the scheduler state");
  check_presence(!scheduler_state.is_null(), scheduler != nullptr, "scheduler", path);
  check_presence(progress.contains("loader"), loader != nullptr, "data loader", path);
  std::vector<uint64_t> words;
  DataLoader::State loader_state;
  try {
    words = progress.at("default_generator").get<std::vector<uint64_t>>();
    if (loader) loader_state = progress.at("loader").get<DataLoader::State>();
  } catch (const nlohmann::json::exception& e) {
    throw IOError("load_training: malformed progress in " + path.string() + ": " + e.what());
  }
  if (words.size() != 4) throw IOError("load_training: a generator state must have 4 words in " + path.string());
  model.load_state_dict(state.model);
  optimizer.load_state_dict(state.optimizer);
  if (scheduler) scheduler->load_state_dict(scheduler_state);
  if (loader) loader->load_state(loader_state);
  default_generator().set_state({words[0], words[1], words[2], words[3]});
  return state.config;
}

}  // namespace descent
