// Callbacks: the way to extend training from C++, as Keras's keras.callbacks.Callback. fit()
// calls each hook of every callback in order; descent's own features (the epoch line,
// metrics.jsonl, checkpoints, early stopping, the progress bar, the run folder's summary) are
// callbacks too. docs/callbacks.md shows how to write one.
#pragma once
#include <csignal>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "descent/data/loader.hpp"
#include "descent/train/averaged_model.hpp"
#include "descent/train/fit.hpp"
#include "descent/train/progress.hpp"

namespace descent {

// What a callback sees and may change while fit() runs.
struct FitContext {
  Module& model;
  optim::Optimizer& optimizer;
  const DataSplits& data;
  const FitOptions& options;
  ScheduleDriver* schedule;  // null: no schedule
  const DataLoader& loader;
  TrainingProgress progress;  // counters, best so far, the epochs' metrics (progress.history)
  NamedTensors best;          // the parameters with the best dev score so far
  // With FitOptions::ema or swa_start: the averaged weights (null without averaging). Dev and
  // test are evaluated with them once n_averaged() > 0.
  AveragedModel* average = nullptr;

  // The step under way (from on_step_begin to on_step_end).
  const Batch* batch = nullptr;
  double loss = 0;         // its training loss, before any L2 penalty (set before after_backward)
  bool skip_step = false;  // set in after_backward: no optimizer update for this batch (reset each step)
  // Accumulating gradients (FitOptions::accumulate_steps) with no step yet: after_backward waits
  // for the cycle's last batch, and checkpoints for its step.
  bool accumulating = false;

  // Stopping: set `stop` (and a `stop_reason` to print) to end training after the current step
  // (the epoch then ends as usual: dev evaluation, on_epoch_end) or, from on_epoch_end, after
  // the current epoch. `interrupted` ends it at once, without an epoch end or a test.
  bool stop = false;
  std::string stop_reason = {};
  bool interrupted = false;

  // What fit returns; test scores and time are filled in before on_train_end.
  FitResult result = {};
};

// Every hook does nothing unless overridden.
class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_train_begin(FitContext&) {}
  virtual void on_epoch_begin(FitContext&) {}
  virtual void on_step_begin(FitContext&) {}
  // The gradients are ready (after backward, before clipping and the optimizer step): read
  // them, change them, or set skip_step. With a closure optimizer (L-BFGS) it runs after every
  // evaluation of the closure, and skip_step has no effect.
  virtual void after_backward(FitContext&) {}
  virtual void on_step_end(FitContext&) {}
  virtual void on_epoch_end(FitContext&) {}
  virtual void on_train_end(FitContext&) {}
};

// ---- descent's own callbacks, in the order fit() runs them ----

// The bar within an epoch (train/progress.hpp), on a terminal only.
class ProgressBarCallback : public Callback {
 public:
  void on_epoch_begin(FitContext& context) override;
  void on_step_end(FitContext& context) override;
  void on_epoch_end(FitContext& context) override;
  void on_train_end(FitContext& context) override;

 private:
  std::unique_ptr<ProgressBar> bar_;
};

// One line per epoch on stdout, the stop reason, and the best and test scores at the end.
class EpochReport : public Callback {
 public:
  void on_epoch_end(FitContext& context) override;
  void on_train_end(FitContext& context) override;
};

// RUN_DIR/metrics.jsonl: one JSON object per epoch (rewritten with the epochs so far on resume).
class MetricsFile : public Callback {
 public:
  explicit MetricsFile(std::filesystem::path run_dir);
  void on_train_begin(FitContext& context) override;
  void on_epoch_end(FitContext& context) override;

 private:
  std::filesystem::path path_;
};

// Stops after `patience` epochs without a better dev score (Keras's EarlyStopping).
class EarlyStopping : public Callback {
 public:
  explicit EarlyStopping(int patience);
  void on_epoch_end(FitContext& context) override;

 private:
  int patience_;
};

// Skips the optimizer step of a batch whose gradient holds a NaN or an infinity (optax's
// apply_if_finite): the parameters and the optimizer's state, its step count included, stay as
// they were. After `max_in_a_row` such batches in a row training stops as diverged. The counts
// live in the progress, so they survive a resume; each epoch's skips are EpochMetrics::skipped_steps.
// A non-finite loss still stops training at once (there is no gradient to look at).
class SkipNonFinite : public Callback {
 public:
  explicit SkipNonFinite(int64_t max_in_a_row);
  int64_t max_in_a_row() const { return max_in_a_row_; }
  void on_train_begin(FitContext& context) override;  // refuses a closure optimizer
  void after_backward(FitContext& context) override;

 private:
  int64_t max_in_a_row_;
};

struct CheckpointOptions {
  std::filesystem::path run_dir;                               // "": write nothing (a signal still stops the run)
  int64_t every = 0;                                           // also every N optimizer steps (0: epoch ends only)
  int keep = 2;                                                // the newest K are kept
  std::string config_json;                                     // the run's configuration, stored in each checkpoint
  const volatile std::sig_atomic_t* stop_requested = nullptr;  // set by a signal handler
};

// RUN_DIR/checkpoints/step-N.safetensors at every epoch end, every N steps, and when a signal
// asks to stop (then training ends at once, interrupted). Put it last: an epoch-end checkpoint
// records whether another callback stopped the run.
class ModelCheckpoint : public Callback {
 public:
  explicit ModelCheckpoint(CheckpointOptions options);
  void on_step_end(FitContext& context) override;
  void on_epoch_end(FitContext& context) override;

 private:
  void save(FitContext& context, int resume_epoch);
  CheckpointOptions options_;
  bool due_ = false;  // a checkpoint of every N steps waits for the end of a gradient accumulation
};

// RUN_DIR/best.safetensors (the restored best parameters) and summary.json at the end.
class RunSummary : public Callback {
 public:
  RunSummary(std::filesystem::path run_dir, std::string config_json);
  void on_train_end(FitContext& context) override;

 private:
  std::filesystem::path run_dir_;
  std::string config_json_;
};

// Everything a checkpoint holds of a running fit, to continue at the start of `resume_epoch`
// (the epoch under way, or the next one after an epoch end); and back (`loader` is the context's).
TrainingState capture_training_state(const FitContext& context, const std::string& config_json, int resume_epoch);
void restore_training_state(const TrainingState& state, FitContext& context, DataLoader& loader);

}  // namespace descent
