// What `descent train` does, as a library call: load and split the data, build the model,
// optimizer and schedule from a TrainConfig, train with fit(), and write the run folder
// (config.json, metrics.jsonl, summary.json, best.safetensors).
#pragma once
#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "descent/data/dataset.hpp"
#include "descent/nn/layers.hpp"
#include "descent/optim/optimizer.hpp"
#include "descent/train/config.hpp"
#include "descent/train/fit.hpp"

namespace descent {

struct TrainingState;

// The data a config names, split into train/dev/test and scaled; random labels applied. The
// default dev_size (kDefaultDevSize) takes default_dev_size of the training set.
DataSplits load_splits(const TrainConfig& config);

// The config with its data-dependent defaults made concrete: dev_size the size of splits.dev,
// and an empty loss the task's (cross_entropy for classes, mse for targets, bce for 0/1 labels).
// The resolved config is what a run records, so resume and eval see the same.
TrainConfig resolve_task_defaults(TrainConfig config, const DataSplits& splits);

// The model a config describes for examples of `item_shape` (Dataset::item_shape) with
// num_outputs output units (Dataset::num_outputs: one per class or label, one for a regression
// target; 0 is read as 1); see nn/models.hpp.
std::shared_ptr<Sequential> build_model(const TrainConfig& config, const Shape& item_shape, int64_t num_outputs,
                                        Generator* gen = nullptr);

// Copies the tensors of a weights file (config.init_from) into `model`: every parameter and
// buffer by name, shapes checked; a mismatch throws one line naming the file and the tensor.
void load_initial_weights(Module& model, const std::string& path);

// Parameter groups from "PATTERN:key=value,..." specs: parameters whose dotted name matches the
// glob PATTERN (e.g. "*.bias") form a group with those options; the rest form the first group.
std::vector<optim::ParamGroup> make_param_groups(const NamedTensors& params,
                                                 const std::vector<std::string>& group_specs);

// The schedule a config names on `optimizer`, stepped per epoch or per batch as it says (null
// for a constant learning rate). Plain "cosine" anneals over the whole run of `steps_per_epoch`
// optimizer steps an epoch (batches, or fewer with --accumulate-steps). Throws ValueError for what the driver cannot do
// (a plateau schedule per batch).
std::unique_ptr<ScheduleDriver> make_schedule(const TrainConfig& config, optim::Optimizer& optimizer,
                                              int64_t steps_per_epoch);
// Refuses what make_schedule would (a bad spec, plateau per batch) before any data is loaded,
// by building the schedule on a stand-in optimizer.
void check_schedule(const TrainConfig& config);

// Replaces `fraction` of the labels with uniformly random classes (the random-label experiment
// of Zhang et al. 2017, "Understanding deep learning requires rethinking generalization").
void randomize_labels(Dataset& data, double fraction, Generator& gen);

// Trains as the config says and writes the run folder when config.out is set. With `resume`
// (a checkpoint of a run with this config), continues that run exactly; `stop`, when set by a
// signal handler, makes training write a checkpoint and return (FitResult::interrupted).
FitResult run_training(const TrainConfig& config, const std::vector<std::string>& param_groups = {},
                       const TrainingState* resume = nullptr, const volatile std::sig_atomic_t* stop = nullptr);

// A checkpoint's configuration, as run_training stores it.
struct RunSetup {
  TrainConfig config;
  std::vector<std::string> param_groups;
};
RunSetup run_setup_of(const TrainingState& state);

// Refuses to start a run in a folder that already holds files (a new run would mix its metrics,
// weights and checkpoints with the old one's) unless `overwrite`; then deletes the old run's
// files, refusing a folder that holds anything else. A missing or empty folder is fine.
void prepare_run_folder(const std::filesystem::path& run_dir, bool overwrite);

// RUN_DIR/config.json: the configuration and the parameter-group specs.
void write_run_config(const TrainConfig& config, const std::vector<std::string>& param_groups);

// Refuses a checkpoint whose configuration is not the one RUN_DIR/config.json holds (the
// checkpoint of another run): fields other than out and quiet must match. A folder without a
// config.json passes.
void check_checkpoint_belongs(const std::filesystem::path& run_dir, const RunSetup& setup);

// The newest checkpoint of RUN_DIR that loads and passes its checksum. Newer files that fail
// are skipped with a note in `skipped` (one line each). Throws IOError when the folder is
// missing or holds no good checkpoint.
TrainingState load_latest_checkpoint(const std::filesystem::path& run_dir, std::vector<std::string>* skipped = nullptr);

}  // namespace descent
