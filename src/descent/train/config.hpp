// TrainConfig: everything `descent train` is told, in one aggregate with PyTorch-style names.
// It is saved with a run (config.json, and in checkpoints) so a run can be evaluated,
// compared or resumed with exactly the settings it had.
#pragma once
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "descent/data/dataset.hpp"
#include "descent/nn/mlp.hpp"
#include "descent/train/fit.hpp"

namespace descent {

// dev_size's default: 5000 (MNIST's) for sets of 50,000 training examples or more, else a tenth.
inline constexpr int64_t kDefaultDevSize = -1;
int64_t default_dev_size(int64_t train_size);

// The training part (epochs, batch size, loss, L2, clipping, early stopping, the run folder
// and its checkpoints) is FitOptions, which fit() takes as it is; the rest says what to train.
// An empty loss (`descent train` without --loss) is the task's, resolved by run_training.
struct TrainConfig : FitOptions {
  // data
  std::string data = "mnist";          // mnist | fashion-mnist | cifar10 | PATH (IDX folder or CSV file)
  std::string label_column;            // CSV: label column by name or index ("" = the last column)
  std::string label_columns;           // CSV: several label columns, e.g. "0-4" or "a,b" (CsvOptions::label_columns)
  std::string task = "infer";          // infer | classification | regression | multilabel (data/dataset.hpp, Task)
  int64_t dev_size = kDefaultDevSize;  // the last dev_size training examples are the dev set
  std::string scaling = "none";        // none | unit | standard (IDX images are already in [0, 1])
  double random_labels = 0.0;          // fraction of training labels replaced by random ones (Zhang et al. 2017)
  // model
  std::string model = "mlp:256-128";
  std::string activation = "relu";
  double dropout = 0.2;
  std::string init = "default";
  bool batch_norm = false;
  std::string init_from;          // a weights file to start from (--init-from), "" for a fresh initialization
  bool summary = false;           // print the model's layer table before training (not saved)
  std::string dtype = "float32";  // float32 | float64: the data, the model and the optimizer state
  // optimization (FitOptions::seed also seeds the initialization and dropout)
  std::string optimizer = "adam:lr=1e-3";
  // "" or "constant" = constant learning rate; plain "cosine" anneals to 0 over the whole run.
  std::string schedule = "cosine";
  std::string schedule_per = "epoch";  // epoch | batch
  int threads = 0;                     // 0 = one per core
  double bucket_mb = 25;               // under mpirun: gradient bucket size in MiB
  bool sync_batch_norm = false;        // under mpirun: BatchNorm2d statistics over the global batch

  // Throws ValueError naming the field and the valid range.
  void validate() const;
  MlpOptions mlp_options() const;
  DType value_dtype() const;  // dtype as a DType
};

// JSON form (config.json in a run folder), flat: FitOptions' fields beside the others. Fields
// missing from an older file keep their defaults.
void to_json(nlohmann::json& j, const TrainConfig& config);
void from_json(const nlohmann::json& j, TrainConfig& config);

}  // namespace descent
