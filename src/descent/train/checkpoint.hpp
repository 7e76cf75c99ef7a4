// Training checkpoints: everything needed to continue a run as if it had never stopped, in
// one file. The file is safetensors (so any safetensors reader can look inside): tensors
// named "model/<name>", "best/<name>", "average/<name>" (with weight averaging) and
// "optimizer/<param index>/<buffer>", and in the
// metadata "descent_checkpoint" (JSON: format version, config, optimizer options and scalars,
// scheduler state, training progress) and "checksum" (CRC-32 over every tensor's name, dtype,
// shape and bytes and over the JSON). Written atomically.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "descent/io/safetensors.hpp"
#include "descent/optim/optimizer.hpp"

namespace descent {

inline constexpr int kCheckpointFormatVersion = 1;

// The JSON parts are kept as JSON text: their meaning belongs to those who write them (the run,
// the scheduler, fit), and this header stays free of the JSON library.
struct TrainingState {
  int format_version = kCheckpointFormatVersion;
  std::string config = "null";      // JSON: the run's configuration (TrainConfig and parameter groups)
  NamedTensors model;               // parameters and buffers now
  NamedTensors best_model;          // the best-on-dev copy
  NamedTensors average;             // with weight averaging: AveragedModel::state_dict() (else empty)
  optim::OptimizerState optimizer;  // every buffer, step count and group hyperparameter
  std::string scheduler = "null";   // JSON: LRScheduler::state_dict(), or null
  std::string progress = "null";    // JSON: TrainingProgress, the data loader's position, the default generator
};

void save_checkpoint(const std::filesystem::path& path, const TrainingState& state);
// Throws IOError naming the file for a truncated or corrupt file (checksum mismatch) or a
// format version newer than this build reads.
TrainingState load_checkpoint(const std::filesystem::path& path);

// Checkpoints of a run folder: RUN_DIR/checkpoints/step-<global step>.safetensors.
std::filesystem::path checkpoint_dir(const std::filesystem::path& run_dir);
std::filesystem::path checkpoint_path(const std::filesystem::path& run_dir, int64_t global_step);
// Existing checkpoint files, newest (highest step) first.
std::vector<std::filesystem::path> list_checkpoints(const std::filesystem::path& run_dir);
// Deletes all but the newest `keep`, and temporary files left by interrupted saves.
void prune_checkpoints(const std::filesystem::path& run_dir, int keep);

}  // namespace descent
