// The training loop (Goodfellow et al., "Deep Learning", §8.1.3, minibatch SGD; Keras's
// Model.fit): each epoch shuffle and go through the minibatches with train_step (forward, loss,
// backward, clip, step), evaluate on dev, keep a copy of the parameters with the best dev
// accuracy (the best dev loss for regression and multi-label data); at the end restore the best and evaluate on test.
// Everything else (the epoch lines, metrics.jsonl, checkpoints, early stopping, the progress bar) is a Callback
// (train/callbacks.hpp), and so is what a user adds.
#pragma once
#include <csignal>
#include <functional>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "descent/data/dataset.hpp"
#include "descent/nn/module.hpp"
#include "descent/optim/optimizer.hpp"
#include "descent/train/model_outputs.hpp"

namespace descent {

class Callback;
class ScheduleDriver;
struct TrainingState;

// A loss of the model's output and the batch's targets.
using LossFunction = std::function<Tensor(const Tensor& output, const Tensor& target)>;
// cross_entropy (from logits; the default, with label_smoothing in [0, 1)), nll (the model ends
// in log-probabilities), bce (binary cross-entropy on logits), mse, l1, huber. bce, mse, l1 and
// huber compare outputs with one-hot targets for classification (num_classes > 0), else with
// the targets as they are (regression (N), multi-label (N, L)).
LossFunction make_loss(const std::string& name, int64_t num_classes, double label_smoothing = 0.0);
// The same for a data set's task, refusing a loss that does not fit it: bce for regression
// targets, cross_entropy and nll for multi-label data, label smoothing but with cross_entropy.
LossFunction make_loss(const std::string& name, const Dataset& train, double label_smoothing = 0.0);

// The training part of a run's configuration (TrainConfig is made of it and the rest).
struct FitOptions {
  int epochs = 15;
  int64_t batch_size = 64;
  bool drop_last = false;
  uint64_t seed = 0;  // the data loader's shuffling
  std::vector<std::string>
      augment;       // per-example augmentation of training batches, e.g. {"crop:4", "flip"} (data/augment.hpp)
  int patience = 0;  // early stopping: stop after this many epochs without a better dev score (0: off)
  // Skip steps whose gradient is not finite, stopping after this many in a row (0: off;
  // SkipNonFinite in train/callbacks.hpp).
  int64_t skip_nonfinite = 0;
  // Gradient accumulation: an optimizer step every this many minibatches, with the mean gradient
  // over their examples, so batch_size B with K steps trains as batch size K·B (1: off).
  // Checkpoints fall only between steps; schedules count optimizer steps.
  int64_t accumulate_steps = 1;
  // Weight averaging (train/averaged_model.hpp): an exponential moving average of the parameters
  // with this decay, updated after every optimizer step (0: off), or the equal average of the
  // parameters at the end of every epoch from `swa_start` on (1-based; 0: off). Either way dev
  // and test are evaluated with the averaged weights (batch-norm statistics recomputed for them
  // over the training set), which model selection and best.safetensors then use.
  double ema = 0.0;
  int swa_start = 0;
  double l2 = 0.0;            // explicit L2 penalty lambda/2 * sum ||W||^2 over weight matrices, added to the loss
  double clip_grad_norm = 0;  // clip the global gradient norm to this (0: off; not for closure optimizers)
  std::string loss = "cross_entropy";
  double label_smoothing = 0.0;  // cross_entropy's label smoothing in [0, 1) (torch.nn.CrossEntropyLoss)
  int64_t eval_batch_size = 1000;
  std::string out;       // RUN_DIR for metrics.jsonl, summary.json, best.safetensors ("" for none)
  bool quiet = false;    // no epoch lines, no progress bar
  bool progress = true;  // the progress bar (only on a terminal)
  // Checkpoints (with out): at every epoch end and every `checkpoint_every` optimizer steps
  // (0: epoch ends only), in RUN_DIR/checkpoints/, keeping the newest `keep_checkpoints`.
  bool checkpoints = true;
  int64_t checkpoint_every = 0;
  int keep_checkpoints = 2;
};

// Accuracy is a fraction: of examples whose class is the largest output (classification), or
// whose every label is right, a logit > 0 read as 1 (exact match, multi-label data).
struct EpochMetrics {
  int epoch = 0;
  double train_loss = 0, train_acc = 0;  // over the epoch's minibatches
  double dev_loss = 0, dev_acc = 0;
  // Multi-label data only: the fraction of single labels that are right, averaged over labels.
  std::optional<double> train_label_acc{}, dev_label_acc{};
  std::optional<int64_t> skipped_steps{};  // with FitOptions::skip_nonfinite: the steps skipped this epoch
  double lr = 0;                           // the first group's lr during the epoch's last step
  // Every parameter group's lr, momentum or beta1/beta2 and weight_decay (those it has) during
  // the epoch's last step: metrics.jsonl's "groups".
  std::vector<std::map<std::string, double>> hyperparameters{};
  // With weight averaging: the updates averaged so far (dev used the average when > 0).
  std::optional<int64_t> n_averaged{};
  double seconds = 0;  // training and dev evaluation
  int64_t steps = 0;
};

// The loop's state between steps: what a checkpoint holds besides the model, the optimizer,
// the schedule, the data loader's position and the random streams.
struct TrainingProgress {
  int epoch = 1;               // the epoch under way (1-based)
  bool epoch_started = false;  // a mid-epoch checkpoint: continue this epoch
  int64_t step = 0;            // steps done in this epoch
  int64_t global_step = 0;
  double loss_sum = 0, seconds = 0;  // running sums of this epoch
  int64_t seen = 0, correct = 0;
  int64_t labels_correct = 0;      // multi-label data: single labels right this epoch
  int64_t skipped_steps = 0;       // steps skipped for a non-finite gradient this epoch (SkipNonFinite)
  int64_t nonfinite_in_a_row = 0;  // the latest steps' non-finite gradients in a row
  double lr = 0;
  std::vector<std::map<std::string, double>> hyperparameters;  // every group's, during the latest step
  bool have_best = false;
  int epochs_without_improvement = 0;
  int best_epoch = 0;
  double best_dev_acc = 0, best_dev_loss = 0;
  std::vector<EpochMetrics> history;
  std::vector<double> step_losses;  // every minibatch's training loss (before any L2 penalty), in order
};

// Refuses --ema outside [0, 1), --swa-start outside [0, epochs] and both at once (0: off).
void check_averaging(const FitOptions& options);

// metrics.jsonl's lines and a checkpoint's "progress", one key per field.
void to_json(nlohmann::json& j, const EpochMetrics& metrics);
void from_json(const nlohmann::json& j, EpochMetrics& metrics);
void to_json(nlohmann::json& j, const TrainingProgress& progress);
void from_json(const nlohmann::json& j, TrainingProgress& progress);

struct EvalResult {
  double loss = 0;            // mean over examples
  double accuracy = 0;        // fraction correct (classification) or exactly right (multi-label), else 0
  double label_accuracy = 0;  // multi-label: the fraction of single labels right, else 0
  int64_t examples = 0;
};

struct FitResult {
  std::vector<EpochMetrics> history;
  int best_epoch = 0;
  double best_dev_acc = 0, best_dev_loss = 0;
  double test_loss = 0, test_acc = 0;
  double test_label_acc = 0;  // multi-label data
  double seconds = 0;
  bool stopped_early = false;  // a callback stopped training (early stopping, a user's callback)
  std::string stop_reason;  // set when training stopped before the last epoch (patience, non-finite loss, a callback)
  bool diverged = false;    // a NaN or infinite loss stopped training
  std::vector<double> step_losses;  // every minibatch's training loss (before any L2 penalty), in order
  bool interrupted = false;         // stop_requested was seen; a checkpoint was written
  std::string last_checkpoint;
};

// What fit is given besides the configuration.
struct FitExtras {
  // Run after descent's own reporting callbacks and before its checkpointing, in this order;
  // not owned.
  std::vector<Callback*> callbacks;
  ScheduleDriver* schedule = nullptr;  // none: the learning rate stays as the optimizer has it
  // Continues a run from a checkpoint of the same configuration exactly where it stopped:
  // parameters, optimizer and schedule state, data order and position, random streams,
  // best-on-dev copy and the metrics so far.
  const TrainingState* resume = nullptr;
  // When set by a signal handler (SIGINT, SIGTERM), the loop writes a checkpoint after the
  // current step and returns with FitResult::interrupted.
  const volatile std::sig_atomic_t* stop_requested = nullptr;
  std::string config_json;             // best.safetensors' metadata "descent_config", for `descent eval`
  std::string checkpoint_config_json;  // the run's configuration, stored in each checkpoint
  // Data parallelism (train/distributed.hpp): this rank's share of every batch, and the dev
  // and test evaluation (evaluate() when unset).
  int64_t shard_rank = 0, shard_count = 1;
  std::function<EvalResult(Module&, const Dataset&, const LossFunction&, int64_t batch_size)> evaluate = {};
  // The loss, for a model whose output is not compared with targets by name (the benchmark's
  // noisy quadratic, whose output is the loss itself); FitOptions::loss when unset.
  LossFunction loss = {};
};

// Evaluation mode, no graph, in batches; the model's mode is restored afterwards. `also`, when
// set, sees each batch's outputs too (the per-class counts of `descent eval`), so that one pass
// over the data gives both.
EvalResult evaluate(Module& model, const Dataset& data, const LossFunction& loss, int64_t batch_size = 1000,
                    const OutputsVisitor& also = {});

// Trains `model` with `optimizer` on data.train, selecting on data.dev, testing on data.test.
FitResult fit(Module& model, optim::Optimizer& optimizer, const DataSplits& data, const FitOptions& options,
              const FitExtras& extras = {});

}  // namespace descent
