// TrainConfig validation and its JSON form.
#include "descent/train/config.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "descent/core/error.hpp"
#include "descent/data/augment.hpp"
#include "descent/nn/models.hpp"

namespace descent {

void TrainConfig::validate() const {
  auto fail = [](const std::string& what) { throw ValueError(what); };
  if (epochs < 0) fail("--epochs must be >= 0, got " + std::to_string(epochs));
  if (batch_size <= 0) fail("--batch-size must be a positive integer, got " + std::to_string(batch_size));
  if (dev_size < 0 && dev_size != kDefaultDevSize) fail("--dev-size must be >= 0, got " + std::to_string(dev_size));
  if (!(dropout >= 0.0 && dropout < 1.0)) fail("--dropout must be in [0, 1), got " + std::to_string(dropout));
  if (!(l2 >= 0.0)) fail("--l2 must be >= 0, got " + std::to_string(l2));
  if (!(clip_grad_norm >= 0.0)) fail("--clip-grad-norm must be >= 0, got " + std::to_string(clip_grad_norm));
  if (!(random_labels >= 0.0 && random_labels <= 1.0))
    fail("--random-labels must be a fraction in [0, 1], got " + std::to_string(random_labels));
  if (!(label_smoothing >= 0.0 && label_smoothing < 1.0))
    fail("--label-smoothing must be in [0, 1), got " + format_number(label_smoothing));
  if (label_smoothing > 0.0 && !loss.empty() && loss != "cross_entropy")
    fail("--label-smoothing applies to --loss cross_entropy, not " + loss);
  if (accumulate_steps < 1)
    fail("--accumulate-steps must be >= 1 (1: a step every batch), got " + std::to_string(accumulate_steps));
  if (skip_nonfinite < 0) fail("--skip-nonfinite must be >= 0 (0: off), got " + std::to_string(skip_nonfinite));
  check_averaging(*this);
  if (patience < 0) fail("--patience must be >= 0, got " + std::to_string(patience));
  if (threads < 0) fail("--threads must be >= 0 (0: one per core), got " + std::to_string(threads));
  if (checkpoint_every < 0)
    fail("--checkpoint-every must be >= 0 (0: epoch ends only), got " + std::to_string(checkpoint_every));
  if (keep_checkpoints < 1) fail("--keep-checkpoints must be >= 1, got " + std::to_string(keep_checkpoints));
  if (schedule_per != "epoch" && schedule_per != "batch")
    fail("--schedule-per must be 'epoch' or 'batch', got '" + schedule_per + "'");
  if (dtype != "float32" && dtype != "float64") fail("--dtype must be float32 or float64, got '" + dtype + "'");
  if (!(bucket_mb > 0.0)) fail("--bucket-mb must be > 0, got " + format_number(bucket_mb));
  parse_scaling(scaling);
  parse_augmentations(augment);
  parse_task(task);
  check_model_spec(model);
  // torch.nn.NLLLoss takes log-probabilities, which a model must make with a final LogSoftmax;
  // the CLI's models end in scores (logits), on which NLL would fall to -infinity.
  if (loss == "nll")
    fail(
        "--loss nll needs a model that ends in log_softmax, and descent train's models end in logits; use "
        "--loss cross_entropy, which is log_softmax followed by nll (torch.nn.CrossEntropyLoss)");
}

int64_t default_dev_size(int64_t train_size) { return std::min(kMnistDevSize, train_size / 10); }

MlpOptions TrainConfig::mlp_options() const {
  return {.activation = activation, .dropout = dropout, .init = init, .batch_norm = batch_norm, .dtype = value_dtype()};
}

DType TrainConfig::value_dtype() const { return dtype == "float64" ? DType::f64 : DType::f32; }

// The keys config.json holds (eval_batch_size, progress and checkpoints are not saved: they
// change no result; bucket_mb is, so that --resume keeps it as it keeps threads); a key missing
// from an older file keeps its default.
// The macro defines inline converters; these named ones are what config.hpp declares.
namespace json_form {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TrainConfig, data, label_column, label_columns, task, dev_size, scaling,
                                                random_labels, model, activation, dropout, init, batch_norm, init_from,
                                                dtype, loss, optimizer, schedule, schedule_per, l2, clip_grad_norm,
                                                epochs, batch_size, drop_last, patience, seed, threads, out,
                                                checkpoint_every, keep_checkpoints, quiet, augment, bucket_mb,
                                                sync_batch_norm, label_smoothing, skip_nonfinite, accumulate_steps, ema,
                                                swa_start)
}  // namespace json_form

void to_json(nlohmann::json& j, const TrainConfig& config) { json_form::to_json(j, config); }
void from_json(const nlohmann::json& j, TrainConfig& config) { json_form::from_json(j, config); }

}  // namespace descent
