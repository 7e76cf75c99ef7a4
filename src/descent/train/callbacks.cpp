// descent's own callbacks: the progress bar, the epoch lines, metrics.jsonl, early stopping,
// checkpoints and the run folder's summary.
#include "descent/train/callbacks.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "descent/io/atomic_file.hpp"
#include "descent/io/safetensors.hpp"
#include "descent/train/checkpoint.hpp"

namespace descent {

// ---------------------------------------------------------------- progress bar

void ProgressBarCallback::on_epoch_begin(FitContext& context) {
  bar_ = std::make_unique<ProgressBar>(true, context.progress.epoch, context.options.epochs,
                                       context.loader.batches_per_epoch());
}

void ProgressBarCallback::on_step_end(FitContext& context) {
  const TrainingProgress& progress = context.progress;
  if (bar_) bar_->update(progress.step, progress.loss_sum / static_cast<double>(progress.seen));
}

// Erased before the epoch's line, or before the last lines when training ends mid-epoch.
void ProgressBarCallback::on_epoch_end(FitContext&) {
  if (bar_) bar_->clear();
  bar_.reset();
}

void ProgressBarCallback::on_train_end(FitContext& context) { on_epoch_end(context); }

// ---------------------------------------------------------------- report

namespace {

std::string format_epoch(const EpochMetrics& m, bool classification) {
  char line[256];
  if (m.train_label_acc && m.dev_label_acc)  // multi-label: exact match and per-label accuracy
    std::snprintf(line, sizeof line,
                  "epoch %3d  train_loss %.4f  train_exact %6.2f%%  train_label_acc %6.2f%%  dev_loss %.4f  "
                  "dev_exact %6.2f%%  dev_label_acc %6.2f%%  lr %.3g  %.1fs",
                  m.epoch, m.train_loss, 100 * m.train_acc, 100 * *m.train_label_acc, m.dev_loss, 100 * m.dev_acc,
                  100 * *m.dev_label_acc, m.lr, m.seconds);
  else if (classification)
    std::snprintf(line, sizeof line,
                  "epoch %3d  train_loss %.4f  train_acc %6.2f%%  dev_loss %.4f  dev_acc %6.2f%%  lr %.3g  %.1fs",
                  m.epoch, m.train_loss, 100 * m.train_acc, m.dev_loss, 100 * m.dev_acc, m.lr, m.seconds);
  else
    std::snprintf(line, sizeof line, "epoch %3d  train_loss %.6g  dev_loss %.6g  lr %.3g  %.1fs", m.epoch, m.train_loss,
                  m.dev_loss, m.lr, m.seconds);
  return line;
}

}  // namespace

void EpochReport::on_epoch_end(FitContext& context) {
  std::cout << format_epoch(context.progress.history.back(), context.data.train.is_classification()) << std::endl;
}

void EpochReport::on_train_end(FitContext& context) {
  const FitResult& result = context.result;
  if (result.interrupted) return;
  if (!result.stop_reason.empty()) std::cout << result.stop_reason << std::endl;
  char line[200];
  if (context.data.train.is_multilabel()) {
    std::snprintf(line, sizeof line,
                  "best dev_loss %.4f at epoch %d; test_loss %.4f  test_exact %.2f%%  test_label_acc %.2f%%  (%.1fs)",
                  result.best_dev_loss, result.best_epoch, result.test_loss, 100 * result.test_acc,
                  100 * result.test_label_acc, result.seconds);
    std::cout << line << std::endl;
  }
  if (!context.data.train.is_classification()) return;
  std::snprintf(line, sizeof line, "best dev_acc %.2f%% at epoch %d; test_loss %.4f  test_acc %.2f%%  (%.1fs)",
                100 * result.best_dev_acc, result.best_epoch, result.test_loss, 100 * result.test_acc, result.seconds);
  std::cout << line << std::endl;
}

// ---------------------------------------------------------------- metrics.jsonl

MetricsFile::MetricsFile(std::filesystem::path run_dir) : path_(std::move(run_dir) / "metrics.jsonl") {}

// Holds exactly the epochs so far: rewritten on resume, then appended to.
void MetricsFile::on_train_begin(FitContext& context) {
  std::filesystem::create_directories(path_.parent_path());
  std::string lines;
  for (const EpochMetrics& metrics : context.progress.history) lines += nlohmann::json(metrics).dump() + "\n";
  write_file_atomic(path_, lines);
}

void MetricsFile::on_epoch_end(FitContext& context) {
  std::ofstream file(path_, std::ios::app);
  file << nlohmann::json(context.progress.history.back()).dump() << '\n' << std::flush;
  if (!file) throw IOError("cannot write " + path_.string());
}

// ---------------------------------------------------------------- early stopping

EarlyStopping::EarlyStopping(int patience) : patience_(patience) {
  if (patience < 1) throw ValueError("EarlyStopping: patience must be >= 1 epoch, got " + std::to_string(patience));
}

// The count lives in the progress, so it survives a resume.
void EarlyStopping::on_epoch_end(FitContext& context) {
  TrainingProgress& progress = context.progress;
  if (progress.best_epoch == progress.epoch) {
    progress.epochs_without_improvement = 0;
  } else if (++progress.epochs_without_improvement >= patience_) {
    context.stop = true;
    context.stop_reason = "early stopping: no better dev score for " + std::to_string(patience_) + " epochs";
  }
}

// ---------------------------------------------------------------- non-finite gradients

namespace {

bool all_finite(const Tensor& t) {
  const Tensor values = t.contiguous();
  bool finite = true;
  dispatch(values.dtype(), [&]<class T>() {
    const T* p = values.data<T>();
    for (int64_t i = 0; i < values.numel() && finite; ++i) finite = std::isfinite(static_cast<double>(p[i]));
  });
  return finite;
}

}  // namespace

SkipNonFinite::SkipNonFinite(int64_t max_in_a_row) : max_in_a_row_(max_in_a_row) {
  if (max_in_a_row < 1)
    throw ValueError("--skip-nonfinite must be >= 1 step (0: off), got " + std::to_string(max_in_a_row));
}

void SkipNonFinite::on_train_begin(FitContext& context) {
  if (context.optimizer.needs_closure())
    throw ValueError(
        "--skip-nonfinite cannot skip the steps of a closure optimizer (L-BFGS), which evaluates the "
        "gradient inside its step");
}

void SkipNonFinite::after_backward(FitContext& context) {
  TrainingProgress& progress = context.progress;
  bool finite = true;
  for (const Tensor& p : context.model.parameters())
    if (p.grad().defined() && !all_finite(p.grad())) {
      finite = false;
      break;
    }
  if (finite) {
    progress.nonfinite_in_a_row = 0;
    return;
  }
  context.skip_step = true;
  ++progress.skipped_steps;
  if (++progress.nonfinite_in_a_row < max_in_a_row_) return;
  context.stop = true;
  context.result.diverged = true;
  context.stop_reason = "the gradient held a NaN or an infinity in " + std::to_string(max_in_a_row_) +
                        " steps in a row (all skipped), up to epoch " + std::to_string(progress.epoch) + ", step " +
                        std::to_string(progress.step) + "; kept the best parameters so far (lower the learning rate?)";
}

// ---------------------------------------------------------------- checkpoints

ModelCheckpoint::ModelCheckpoint(CheckpointOptions options) : options_(std::move(options)) {}

void ModelCheckpoint::on_step_end(FitContext& context) {
  const bool signalled = options_.stop_requested && *options_.stop_requested;
  const int64_t step = context.progress.global_step;
  due_ = due_ || (options_.every > 0 && step % options_.every == 0);
  // The gradients summed so far in an accumulation are in no checkpoint: wait for the step.
  if (context.accumulating) return;
  if (signalled || due_) save(context, context.progress.epoch);
  due_ = false;
  if (signalled) context.stop = context.interrupted = true;
}

// A checkpoint after an epoch resumes at the next one; after a stop, at none.
void ModelCheckpoint::on_epoch_end(FitContext& context) {
  save(context, context.stop ? context.options.epochs + 1 : context.progress.epoch + 1);
}

void ModelCheckpoint::save(FitContext& context, int resume_epoch) {
  if (options_.run_dir.empty()) return;
  const TrainingState state = capture_training_state(context, options_.config_json, resume_epoch);
  const auto path = checkpoint_path(options_.run_dir, context.progress.global_step);
  save_checkpoint(path, state);
  prune_checkpoints(options_.run_dir, options_.keep);
  context.result.last_checkpoint = path.string();
}

// ---------------------------------------------------------------- run folder

RunSummary::RunSummary(std::filesystem::path run_dir, std::string config_json)
    : run_dir_(std::move(run_dir)), config_json_(std::move(config_json)) {}

void RunSummary::on_train_end(FitContext& context) {
  const FitResult& result = context.result;
  if (result.interrupted) return;
  const NamedTensors weights = context.model.state_dict();
  save_safetensors(run_dir_ / "best.safetensors", weights,
                   with_checksums(weights, {{"format", "pt"},
                                            {"best_epoch", std::to_string(result.best_epoch)},
                                            {"descent_config", config_json_}}));
  const nlohmann::json summary = {{"best_epoch", result.best_epoch},       {"best_dev_acc", result.best_dev_acc},
                                  {"best_dev_loss", result.best_dev_loss}, {"test_loss", result.test_loss},
                                  {"test_acc", result.test_acc},           {"seconds", result.seconds},
                                  {"epochs_run", result.history.size()},   {"stopped_early", result.stopped_early},
                                  {"diverged", result.diverged},           {"stop_reason", result.stop_reason}};
  nlohmann::json written = summary;
  if (context.data.train.is_multilabel()) written["test_label_acc"] = result.test_label_acc;
  write_file_atomic(run_dir_ / "summary.json", written.dump(2) + "\n");
}

}  // namespace descent
