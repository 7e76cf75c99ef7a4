// TrainConfig: everything `descent train` is told, in one aggregate with PyTorch-style names.
// It is saved with a run (config.json, and in checkpoints) so a run can be evaluated,
// compared or resumed with exactly the settings it had.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "descent/data/dataset.hpp"
#include "descent/nn/mlp.hpp"

namespace descent {

struct TrainConfig {
  // data
  std::string data = "mnist";        // mnist | fashion-mnist | PATH (IDX folder or CSV file)
  std::string label_column;          // CSV: label column by name or index ("" = the last column)
  int64_t dev_size = kMnistDevSize;  // the last dev_size training examples are the dev set
  std::string scaling = "none";      // none | unit | standard (IDX images are already in [0, 1])
  double random_labels = 0.0;        // fraction of training labels replaced by random ones (Zhang et al. 2017)
  // model
  std::string model = "mlp:256-128";
  std::string activation = "relu";
  double dropout = 0.2;
  std::string init = "default";
  bool batch_norm = false;
  // objective and optimization
  std::string loss = "cross_entropy";
  std::string optimizer = "adam:lr=1e-3";
  // "" or "constant" = constant learning rate; plain "cosine" anneals to 0 over the whole run.
  std::string schedule = "cosine";
  std::string schedule_per = "epoch";  // epoch | batch
  double l2 = 0.0;
  double clip_grad_norm = 0.0;
  int epochs = 15;
  int64_t batch_size = 64;
  bool drop_last = false;
  int patience = 0;
  // run
  uint64_t seed = 0;
  int threads = 0;                   // 0 = one per core
  std::string out;                   // RUN_DIR
  int64_t checkpoint_every = 0;      // also checkpoint every N steps (epoch ends always, with out)
  int keep_checkpoints = 2;
  bool quiet = false;

  // Throws ValueError naming the field and the valid range.
  void validate() const;
  MlpOptions mlp_options() const;
};

// JSON form (config.json in a run folder); fields missing from an older file keep their defaults.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TrainConfig, data, label_column, dev_size, scaling, random_labels,
                                                model, activation, dropout, init, batch_norm, loss, optimizer,
                                                schedule, schedule_per, l2, clip_grad_norm, epochs, batch_size,
                                                drop_last, patience, seed, threads, out, checkpoint_every,
                                                keep_checkpoints, quiet)

}  // namespace descent
