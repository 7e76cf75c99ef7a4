// TrainConfig validation and its JSON form.
#include "descent/train/config.hpp"

#include <nlohmann/json.hpp>

#include "descent/core/error.hpp"
#include "descent/data/augment.hpp"

namespace descent {

void TrainConfig::validate() const {
  auto fail = [](const std::string& what) { throw ValueError(what); };
  if (epochs < 0) fail("--epochs must be >= 0, got " + std::to_string(epochs));
  if (batch_size <= 0) fail("--batch-size must be a positive integer, got " + std::to_string(batch_size));
  if (dev_size < 0) fail("--dev-size must be >= 0, got " + std::to_string(dev_size));
  if (!(dropout >= 0.0 && dropout < 1.0)) fail("--dropout must be in [0, 1), got " + std::to_string(dropout));
  if (!(l2 >= 0.0)) fail("--l2 must be >= 0, got " + std::to_string(l2));
  if (!(clip_grad_norm >= 0.0)) fail("--clip-grad-norm must be >= 0, got " + std::to_string(clip_grad_norm));
  if (!(random_labels >= 0.0 && random_labels <= 1.0))
    fail("--random-labels must be a fraction in [0, 1], got " + std::to_string(random_labels));
  if (patience < 0) fail("--patience must be >= 0, got " + std::to_string(patience));
  if (threads < 0) fail("--threads must be >= 0 (0: one per core), got " + std::to_string(threads));
  if (checkpoint_every < 0) fail("--checkpoint-every must be >= 0 (0: epoch ends only), got " + std::to_string(checkpoint_every));
  if (keep_checkpoints < 1) fail("--keep-checkpoints must be >= 1, got " + std::to_string(keep_checkpoints));
  if (schedule_per != "epoch" && schedule_per != "batch")
    fail("--schedule-per must be 'epoch' or 'batch', got '" + schedule_per + "'");
  parse_scaling(scaling);
  parse_augmentations(augment);
  parse_model_spec(model);
}

MlpOptions TrainConfig::mlp_options() const {
  return {.activation = activation, .dropout = dropout, .init = init, .batch_norm = batch_norm};
}

// The keys config.json has always had (eval_batch_size, progress and checkpoints are not saved).
// The macro defines inline converters; these named ones are what config.hpp declares.
namespace json_form {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(TrainConfig, data, label_column, dev_size, scaling, random_labels,
                                                model, activation, dropout, init, batch_norm, loss, optimizer,
                                                schedule, schedule_per, l2, clip_grad_norm, epochs, batch_size,
                                                drop_last, patience, seed, threads, out, checkpoint_every,
                                                keep_checkpoints, quiet, augment)
}  // namespace json_form

void to_json(nlohmann::json& j, const TrainConfig& config) { json_form::to_json(j, config); }
void from_json(const nlohmann::json& j, TrainConfig& config) { json_form::from_json(j, config); }

}  // namespace descent
