// The training loop of seed 002 (slides 8-11): each epoch shuffle, go through the minibatches
// (forward, loss, backward, step), evaluate on dev, keep a copy of the parameters with the best
// dev accuracy; at the end restore the best and evaluate on test. One line per epoch: mean
// training loss, training accuracy, dev loss and accuracy, learning rate, seconds.
#pragma once
#include <csignal>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "descent/data/dataset.hpp"
#include "descent/nn/module.hpp"
#include "descent/optim/optimizer.hpp"

namespace descent {

namespace optim {
class LRScheduler;
}

// A loss of the model's output and the batch's targets.
using LossFunction = std::function<Tensor(const Tensor& output, const Tensor& target)>;
// cross_entropy (from logits; the default), nll (the model ends in log-probabilities), mse
// (against one-hot targets for classification), l1, huber.
LossFunction make_loss(const std::string& name, int64_t num_classes);

struct FitOptions {
  int epochs = 10;
  int64_t batch_size = 64;
  bool drop_last = false;
  uint64_t seed = 0;          // the data loader's shuffling
  int patience = 0;           // early stopping: stop after this many epochs without a better dev score (0: off)
  double l2 = 0.0;            // explicit L2 penalty lambda/2 * sum ||W||^2 over weight matrices, added to the loss
  double clip_grad_norm = 0;  // clip the global gradient norm to this (0: off)
  std::string loss = "cross_entropy";
  int64_t eval_batch_size = 1000;
  optim::LRScheduler* scheduler = nullptr;  // stepped per epoch or per batch
  bool schedule_per_batch = false;
  // Seed 002's heuristic: a plateau scheduler is stepped with the dev accuracy after each epoch.
  std::string out_dir;        // RUN_DIR for metrics.jsonl, summary.json, best.safetensors ("" for none)
  bool quiet = false;         // no epoch lines, no progress bar
  bool progress = true;       // the progress bar (only on a terminal)
  std::function<void(const std::string&)> log;  // where epoch lines go (stdout when empty)
  std::string config_json;    // stored in best.safetensors' metadata ("descent_config"), for `descent eval`

  // Checkpoints (with out_dir): at every epoch end and every `checkpoint_every` optimizer steps
  // (0: epoch ends only), in RUN_DIR/checkpoints/, keeping the newest `keep_checkpoints`.
  bool checkpoints = true;
  int64_t checkpoint_every = 0;
  int keep_checkpoints = 2;
  nlohmann::json checkpoint_config;  // the run's configuration, stored in each checkpoint
  // When set by a signal handler (SIGINT, SIGTERM), the loop writes a checkpoint after the
  // current step and returns with FitResult::interrupted.
  const volatile std::sig_atomic_t* stop_requested = nullptr;
};

struct EpochMetrics {
  int epoch = 0;
  double train_loss = 0, train_acc = 0;  // over the epoch's minibatches (accuracy as a fraction)
  double dev_loss = 0, dev_acc = 0;
  double lr = 0;                         // the first group's lr during the epoch's last step
  double seconds = 0;                    // training and dev evaluation
  int64_t steps = 0;
};

struct EvalResult {
  double loss = 0;      // mean over examples
  double accuracy = 0;  // fraction correct (classification), else 0
  int64_t examples = 0;
};

struct FitResult {
  std::vector<EpochMetrics> history;
  int best_epoch = 0;
  double best_dev_acc = 0, best_dev_loss = 0;
  double test_loss = 0, test_acc = 0;
  double seconds = 0;
  bool stopped_early = false;
  std::string stop_reason;  // set when training stopped before the last epoch (patience, non-finite loss)
  bool diverged = false;    // a NaN or infinite loss stopped training
  std::vector<double> step_losses;  // every minibatch's training loss (before any L2 penalty), in order
  bool interrupted = false;  // stop_requested was seen; a checkpoint was written
  std::string last_checkpoint;
};

// Evaluation mode, no graph, in batches; the model's mode is restored afterwards.
EvalResult evaluate(Module& model, const Dataset& data, const LossFunction& loss, int64_t batch_size = 1000);

struct TrainingState;

// Trains `model` with `optimizer` on data.train, selecting on data.dev, testing on data.test.
// With `resume`, continues a run from a checkpoint of the same configuration exactly where it
// stopped: parameters, optimizer and schedule state, data order and position, random streams,
// best-on-dev copy and the metrics so far.
FitResult fit(Module& model, Optimizer& optimizer, const DataSplits& data, const FitOptions& options,
              const TrainingState* resume = nullptr);

}  // namespace descent
