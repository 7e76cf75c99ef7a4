// Checkpoints for a training loop of your own: the model, the optimizer, the scheduler, the data
// loader's position, the default generator and whatever the loop itself counts (as JSON text),
// in one file written atomically and checksummed like `descent train`'s checkpoints
// (train/checkpoint.hpp), so a loop killed at any step resumes on exactly the same numbers.
// PyTorch's idiom is torch.save({"model": model.state_dict(), "optimizer": ...}); here one call
// saves all of it and one call restores it in the order that matters (optimizer, then scheduler).
#pragma once
#include <filesystem>
#include <string>

#include "descent/data/loader.hpp"
#include "descent/nn/module.hpp"
#include "descent/optim/optimizer.hpp"
#include "descent/schedule/scheduler.hpp"

namespace descent {

// Writes PATH (atomically: a crash leaves the previous file or the new one, never a mix).
// `scheduler` and `loader` may be null when the loop has none; `extra_json` is JSON text the loop
// wants back on resume (its epoch and step counters, say), "null" when there is nothing.
// Throws ValueError when extra_json is not valid JSON.
void save_training(const std::filesystem::path& path, const Module& model, const optim::Optimizer& optimizer,
                   const optim::LRScheduler* scheduler, const DataLoader* loader,
                   const std::string& extra_json = "null");

// Restores what save_training wrote into objects built as before (same model, same optimizer
// and scheduler specs, a loader over the same data): the model, then the optimizer, then the
// scheduler (which reads the groups' restored lrs), the loader's position and the default
// generator. Returns the extra JSON text. Throws IOError for a corrupt or truncated file and
// ValueError when the file holds a scheduler or loader state and none is given, or the reverse.
std::string load_training(const std::filesystem::path& path, Module& model, optim::Optimizer& optimizer,
                          optim::LRScheduler* scheduler, DataLoader* loader);

}  // namespace descent
