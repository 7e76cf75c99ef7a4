// The fit loop (train_step, the epoch, the run), evaluation, and the training state a
// checkpoint holds.
#include "descent/train/fit.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "descent/data/loader.hpp"
#include "descent/nn/loss.hpp"
#include "descent/ops/ops.hpp"
#include "descent/optim/clip.hpp"
#include "descent/schedule/driver.hpp"
#include "descent/tensor/grad_mode.hpp"
#include "descent/train/callbacks.hpp"
#include "descent/train/checkpoint.hpp"

namespace descent {

LossFunction make_loss(const std::string& name, int64_t num_classes, double label_smoothing) {
  if (label_smoothing != 0.0 && name != "cross_entropy")
    throw ValueError("--label-smoothing applies to --loss cross_entropy, not " + name);
  if (name == "cross_entropy") {
    if (label_smoothing == 0.0) return [](const Tensor& out, const Tensor& y) { return cross_entropy(out, y); };
    if (!(label_smoothing > 0.0 && label_smoothing < 1.0))
      throw ValueError("--label-smoothing must be in [0, 1), got " + std::to_string(label_smoothing));
    return [label_smoothing](const Tensor& out, const Tensor& y) {
      return cross_entropy(out, y, Reduction::mean, label_smoothing);
    };
  }
  if (name == "nll") return [](const Tensor& out, const Tensor& y) { return nll_loss(out, y); };
  // The others compare outputs with targets; for classification, with one-hot targets (bce
  // then makes the outputs independent sigmoid units, as in Nielsen's "Neural Networks and
  // Deep Learning", ch. 3).
  auto target_for = [num_classes](const Tensor& out, const Tensor& y) {
    return num_classes > 0 ? one_hot(y, num_classes, out.dtype()) : y.reshape(out.shape());
  };
  if (name == "bce")
    return
        [=](const Tensor& out, const Tensor& y) { return binary_cross_entropy_with_logits(out, target_for(out, y)); };
  if (name == "mse") return [=](const Tensor& out, const Tensor& y) { return mse_loss(out, target_for(out, y)); };
  if (name == "l1") return [=](const Tensor& out, const Tensor& y) { return l1_loss(out, target_for(out, y)); };
  if (name == "huber") return [=](const Tensor& out, const Tensor& y) { return huber_loss(out, target_for(out, y)); };
  throw ValueError("unknown loss '" + name + "' (expected cross_entropy, nll, bce, mse, l1 or huber)");
}

LossFunction make_loss(const std::string& name, const Dataset& train, double label_smoothing) {
  if (name == "bce" && !train.is_classification() && !train.is_multilabel())
    throw ValueError(
        "--loss bce is binary cross-entropy for 0/1 labels (--task multilabel, or classification with one-hot "
        "targets), and these labels are regression targets; use --loss mse, l1 or huber");
  if ((name == "cross_entropy" || name == "nll") && train.is_multilabel())
    throw ValueError("--loss " + name + " takes one class per example; multi-label data needs --loss bce");
  return make_loss(name, train.num_classes, label_smoothing);
}

namespace {

// Number of rows whose largest output (the first, on ties) is at the int64 target class.
int64_t count_correct(const Tensor& output, const Tensor& target) {
  if (output.dim() != 2 || output.shape()[1] < 2) return 0;
  return eq(output.detach().argmax(1), target).sum().item<int64_t>();
}

// Multi-label (B, L) logits against (B, L) 0/1 labels, a logit > 0 read as 1: the rows whose
// every label is right, and the single labels right.
struct LabelsRight {
  int64_t rows = 0, labels = 0;
};
LabelsRight count_labels_right(const Tensor& output, const Tensor& target) {
  const Tensor out = output.detach().contiguous();
  const Tensor y = target.contiguous();
  const int64_t n = out.shape()[0], l = out.numel() / std::max<int64_t>(1, n);
  LabelsRight right;
  dispatch(out.dtype(), [&]<class T>() {
    const T* scores = out.data<T>();
    const T* labels = y.data<T>();
    for (int64_t i = 0; i < n; ++i) {
      int64_t row_right = 0;
      for (int64_t k = 0; k < l; ++k) row_right += (scores[i * l + k] > 0) == (labels[i * l + k] > 0.5);
      right.labels += row_right;
      right.rows += row_right == l;
    }
  });
  return right;
}

std::vector<Tensor> weight_matrices(const Module& model) {
  std::vector<Tensor> weights;
  for (auto& [name, t] : model.named_parameters())
    if (t.dim() >= 2) weights.push_back(t);
  return weights;
}

NamedTensors snapshot(const Module& model) {
  NamedTensors copy;
  NoGradGuard guard;
  for (auto& [name, t] : model.state_dict()) copy.emplace_back(name, t.detach().clone());
  return copy;
}

}  // namespace

EvalResult evaluate(Module& model, const Dataset& data, const LossFunction& loss, int64_t batch_size,
                    const OutputsVisitor& also) {
  EvalResult r;
  if (data.size() == 0) return r;
  double total = 0;
  int64_t correct = 0, labels_correct = 0;
  for_each_output(model, data, batch_size, [&](const Dataset& part, int64_t first_row, const Tensor& out) {
    total += loss(out, part.y).item() * static_cast<double>(part.size());
    if (data.is_classification()) correct += count_correct(out, part.y);
    if (data.is_multilabel()) {
      const LabelsRight right = count_labels_right(out, part.y);
      correct += right.rows;
      labels_correct += right.labels;
    }
    if (also) also(part, first_row, out);
  });
  r.examples = data.size();
  r.loss = total / static_cast<double>(data.size());
  r.accuracy = static_cast<double>(correct) / static_cast<double>(data.size());
  if (data.is_multilabel())
    r.label_accuracy = static_cast<double>(labels_correct) / static_cast<double>(data.size() * data.num_labels);
  return r;
}

// ---------------------------------------------------------------- the training state

// The macros define inline converters; these named ones are what fit.hpp declares.
namespace json_form {
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(EpochMetrics, epoch, train_loss, train_acc, dev_loss, dev_acc, lr, seconds, steps)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TrainingProgress, epoch, epoch_started, step, global_step, loss_sum, seconds, seen,
                                   correct, lr, have_best, epochs_without_improvement, best_epoch, best_dev_acc,
                                   best_dev_loss, history, step_losses)
}  // namespace json_form

// The multi-label and skip counts are written only for runs that have them, and read when
// present (files written before they existed lack them).
void to_json(nlohmann::json& j, const EpochMetrics& metrics) {
  json_form::to_json(j, metrics);
  if (!metrics.hyperparameters.empty()) j["groups"] = metrics.hyperparameters;
  if (metrics.n_averaged) j["n_averaged"] = *metrics.n_averaged;
  if (metrics.train_label_acc) j["train_label_acc"] = *metrics.train_label_acc;
  if (metrics.dev_label_acc) j["dev_label_acc"] = *metrics.dev_label_acc;
  if (metrics.skipped_steps) j["skipped_steps"] = *metrics.skipped_steps;
}
void from_json(const nlohmann::json& j, EpochMetrics& metrics) {
  json_form::from_json(j, metrics);
  metrics.train_label_acc = metrics.dev_label_acc = std::nullopt;
  if (j.contains("train_label_acc")) metrics.train_label_acc = j.at("train_label_acc").get<double>();
  if (j.contains("dev_label_acc")) metrics.dev_label_acc = j.at("dev_label_acc").get<double>();
  metrics.skipped_steps = std::nullopt;
  if (j.contains("skipped_steps")) metrics.skipped_steps = j.at("skipped_steps").get<int64_t>();
  metrics.hyperparameters = j.value("groups", std::vector<std::map<std::string, double>>{});
  metrics.n_averaged = std::nullopt;
  if (j.contains("n_averaged")) metrics.n_averaged = j.at("n_averaged").get<int64_t>();
}
void to_json(nlohmann::json& j, const TrainingProgress& progress) {
  json_form::to_json(j, progress);
  // Written only when not 0, so that a checkpoint of a run without them keeps the keys it always had.
  if (progress.labels_correct != 0) j["labels_correct"] = progress.labels_correct;
  if (progress.skipped_steps != 0) j["skipped_steps"] = progress.skipped_steps;
  if (progress.nonfinite_in_a_row != 0) j["nonfinite_in_a_row"] = progress.nonfinite_in_a_row;
  if (!progress.hyperparameters.empty()) j["hyperparameters"] = progress.hyperparameters;
}
void from_json(const nlohmann::json& j, TrainingProgress& progress) {
  json_form::from_json(j, progress);
  progress.labels_correct = j.value("labels_correct", int64_t{0});
  progress.skipped_steps = j.value("skipped_steps", int64_t{0});
  progress.nonfinite_in_a_row = j.value("nonfinite_in_a_row", int64_t{0});
  progress.hyperparameters = j.value("hyperparameters", std::vector<std::map<std::string, double>>{});
}

TrainingState capture_training_state(const FitContext& context, const std::string& config_json, int resume_epoch) {
  TrainingState state;
  if (!config_json.empty()) state.config = config_json;
  state.model = snapshot(context.model);
  state.best_model = context.best;
  state.optimizer = context.optimizer.state_dict();
  if (context.schedule) state.scheduler = context.schedule->scheduler().state_dict().dump();
  nlohmann::json progress = context.progress;
  progress["epoch"] = resume_epoch;
  if (context.average) {
    for (const auto& [name, t] : context.average->state_dict()) state.average.emplace_back(name, t.clone());
    progress["n_averaged"] = context.average->n_averaged();
  }
  progress["loader"] = context.loader.state();
  const Generator::State words = default_generator().state();
  progress["default_generator"] = std::vector<uint64_t>(words.begin(), words.end());
  state.progress = progress.dump();
  return state;
}

void restore_training_state(const TrainingState& state, FitContext& context, DataLoader& loader) {
  context.model.load_state_dict(state.model);
  context.best.clear();
  for (const auto& [name, t] : state.best_model) context.best.emplace_back(name, t.clone());
  context.optimizer.load_state_dict(state.optimizer);
  if (context.schedule) context.schedule->scheduler().load_state_dict(nlohmann::json::parse(state.scheduler));
  try {
    const nlohmann::json progress = nlohmann::json::parse(state.progress);
    loader.load_state(progress.at("loader").get<DataLoader::State>());
    const auto words = progress.at("default_generator").get<std::vector<uint64_t>>();
    if (words.size() != 4) throw IOError("checkpoint: a generator state must have 4 words");
    default_generator().set_state({words[0], words[1], words[2], words[3]});
    context.progress = progress.get<TrainingProgress>();
    const auto n_averaged = progress.value("n_averaged", int64_t{0});
    if (context.average && !state.average.empty()) context.average->load_state_dict(state.average, n_averaged);
    if (context.average && state.average.empty() && n_averaged != 0)
      throw IOError("checkpoint: n_averaged is " + std::to_string(n_averaged) + " but the average is missing");
  } catch (const nlohmann::json::exception& e) {
    throw IOError(std::string("checkpoint: malformed training progress: ") + e.what());
  }
}

// ---------------------------------------------------------------- the loop

namespace {

using Clock = std::chrono::steady_clock;

std::optional<AveragedModel> make_average(const Module& model, const FitOptions& options) {
  if (options.ema > 0) return AveragedModel::ema(model, options.ema);
  if (options.swa_start > 0) return AveragedModel(model);
  return std::nullopt;
}

// What metrics.jsonl shows of each parameter group: the learning rate, momentum or betas (which
// a cyclic schedule may cycle) and weight decay, those of them the optimizer has.
std::vector<std::map<std::string, double>> logged_hyperparameters(const optim::Optimizer& optimizer) {
  static const char* const keys[] = {"lr", "momentum", "beta1", "beta2", "weight_decay"};
  std::vector<std::map<std::string, double>> groups;
  for (const optim::ParamGroup& group : optimizer.param_groups()) {
    std::map<std::string, double>& logged = groups.emplace_back();
    for (const char* key : keys)
      if (const auto it = group.options.find(key); it != group.options.end()) logged[key] = it->second;
  }
  return groups;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// descent's own callbacks around the user's: reporting first, checkpointing and the run
// folder's summary last (an epoch-end checkpoint records whether a callback stopped the run).
std::vector<std::unique_ptr<Callback>> own_callbacks(const FitOptions& options, const FitExtras& extras,
                                                     std::vector<Callback*>& order) {
  std::vector<std::unique_ptr<Callback>> own;
  auto add = [&](std::unique_ptr<Callback> callback) {
    order.push_back(callback.get());
    own.push_back(std::move(callback));
  };
  if (!options.quiet && options.progress) add(std::make_unique<ProgressBarCallback>());
  if (!options.quiet) add(std::make_unique<EpochReport>());
  if (!options.out.empty()) add(std::make_unique<MetricsFile>(options.out));
  if (options.patience > 0) add(std::make_unique<EarlyStopping>(options.patience));
  order.insert(order.end(), extras.callbacks.begin(), extras.callbacks.end());
  // After the user's callbacks (and the data-parallel gradient sum): it judges the final gradient.
  if (options.skip_nonfinite > 0) add(std::make_unique<SkipNonFinite>(options.skip_nonfinite));
  const bool write_checkpoints = !options.out.empty() && options.checkpoints;
  if (write_checkpoints || extras.stop_requested)
    add(std::make_unique<ModelCheckpoint>(CheckpointOptions{.run_dir = write_checkpoints ? options.out : "",
                                                            .every = options.checkpoint_every,
                                                            .keep = options.keep_checkpoints,
                                                            .config_json = extras.checkpoint_config_json,
                                                            .stop_requested = extras.stop_requested}));
  if (!options.out.empty()) add(std::make_unique<RunSummary>(options.out, extras.config_json));
  return own;
}

class TrainingLoop {
 public:
  TrainingLoop(Module& model, optim::Optimizer& optimizer, const DataSplits& data, const FitOptions& options,
               const FitExtras& extras)
      : loss_fn_(extras.loss ? extras.loss : make_loss(options.loss, data.train, options.label_smoothing)),
        weights_(weight_matrices(model)),
        loader_(data.train, {.batch_size = options.batch_size,
                             .shuffle = true,
                             .drop_last = options.drop_last,
                             .seed = options.seed,
                             .augment = parse_augmentations(options.augment),
                             .shard_rank = extras.shard_rank,
                             .shard_count = extras.shard_count}),
        evaluate_(extras.evaluate ? extras.evaluate
                                  : [](Module& model, const Dataset& data, const LossFunction& loss,
                                       int64_t batch_size) { return evaluate(model, data, loss, batch_size); }),
        own_callbacks_(own_callbacks(options, extras, callbacks_)),
        average_(make_average(model, options)),
        batch_norm_(has_batch_norm(model)),
        context_{.model = model,
                 .optimizer = optimizer,
                 .data = data,
                 .options = options,
                 .schedule = extras.schedule,
                 .loader = loader_,
                 .progress = {},
                 .best = snapshot(model),
                 .average = average_ ? &*average_ : nullptr} {
    if (extras.resume) restore_training_state(*extras.resume, context_, loader_);
  }

  FitResult run() {
    const auto fit_start = Clock::now();
    notify(&Callback::on_train_begin);
    for (TrainingProgress& progress = context_.progress; progress.epoch <= context_.options.epochs && !context_.stop;
         ++progress.epoch)
      if (!run_epoch() || context_.stop) break;
    finish(fit_start);
    notify(&Callback::on_train_end);
    return context_.result;
  }

 private:
  void notify(void (Callback::*hook)(FitContext&)) {
    for (Callback* callback : callbacks_) (callback->*hook)(context_);
  }

  // One pass over the training data. False when training ends at once (a non-finite loss, or
  // interrupted).
  bool run_epoch() {
    TrainingProgress& progress = context_.progress;
    if (!progress.epoch_started) {
      progress.epoch_started = true;
      progress.step = progress.seen = progress.correct = progress.labels_correct = progress.skipped_steps = 0;
      progress.loss_sum = progress.seconds = 0;
    }
    const auto epoch_start =
        Clock::now() - std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(progress.seconds));
    context_.model.train();
    notify(&Callback::on_epoch_begin);
    Batch batch;
    while (!context_.stop && loader_.next(batch)) {
      ++progress.step;
      context_.batch = &batch;
      context_.skip_step = false;
      notify(&Callback::on_step_begin);
      if (!train_step(batch)) return diverged();
      progress.seconds = seconds_since(epoch_start);
      notify(&Callback::on_step_end);
      context_.batch = nullptr;
      if (context_.interrupted) return false;
    }
    if (progress.seen == 0 && context_.stop) return true;  // stopped before the epoch's first step
    end_epoch(epoch_start);
    return true;
  }

  // One step as PyTorch's loop writes it: zero_grad, forward, loss, backward (then the
  // callbacks' after_backward), clip, step. A closure optimizer (L-BFGS) gets that same
  // evaluation as its closure, for its first evaluation and each one of its line search.
  // False, with the parameters untouched, when the loss is not finite.
  bool train_step(const Batch& batch) {
    Tensor output;  // of the first evaluation, for the accuracy
    const int64_t rows = batch.x.shape()[0];
    const bool accumulate = context_.options.accumulate_steps > 1;
    const bool cycle_start = !accumulate || accumulated_ == 0;
    if (accumulate && cycle_start) cycle_rows_ = rows_in_cycle(rows);
    const bool apply = !accumulate || ++accumulated_ == context_.options.accumulate_steps || last_batch_of_epoch();
    auto forward_backward = [&] {
      if (cycle_start) context_.optimizer.zero_grad();
      const Tensor out = context_.model(batch.x);
      Tensor loss = loss_fn_(out, batch.y);
      const double value = loss.item();
      if (!output.defined()) {
        output = out;
        context_.loss = value;
      }
      if (!std::isfinite(value)) return value;
      const double l2 = context_.options.l2;
      if (l2 > 0) loss = add(loss, l2_penalty(weights_, l2));
      // Accumulating, each minibatch's mean counts by its share of the cycle's examples, so that
      // the summed gradient is the mean over the cycle, as one batch of all of them.
      if (accumulate) loss = mul(loss, static_cast<double>(rows) / static_cast<double>(cycle_rows_));
      loss.backward();
      context_.accumulating = !apply;
      if (apply) notify(&Callback::after_backward);
      return l2 > 0 ? loss.item() : value;
    };
    TrainingProgress& progress = context_.progress;
    progress.lr = context_.optimizer.param_groups().front().lr();
    progress.hyperparameters = logged_hyperparameters(context_.optimizer);
    if (context_.optimizer.needs_closure()) {
      context_.optimizer.step(forward_backward);
      if (!std::isfinite(context_.loss)) return false;
    } else {
      forward_backward();
      if (!std::isfinite(context_.loss)) return false;
      if (apply && !context_.skip_step) {
        if (context_.options.clip_grad_norm > 0)
          optim::clip_grad_norm_(context_.model.parameters(), context_.options.clip_grad_norm);
        context_.optimizer.step();
      }
    }
    const bool stepped = context_.optimizer.needs_closure() || (apply && !context_.skip_step);
    if (stepped && context_.options.ema > 0) average_->update_parameters(context_.model);
    if (apply) accumulated_ = 0;
    if (apply && context_.schedule) context_.schedule->after_batch();  // schedules count optimizer steps
    ++progress.global_step;
    progress.loss_sum += context_.loss * static_cast<double>(rows);
    progress.step_losses.push_back(context_.loss);
    progress.seen += rows;
    if (data().train.is_classification()) progress.correct += count_correct(output, batch.y);
    if (data().train.is_multilabel()) {
      const LabelsRight right = count_labels_right(output, batch.y);
      progress.correct += right.rows;
      progress.labels_correct += right.labels;
    }
    return true;
  }

  // The examples of an accumulation cycle that begins with this batch of `rows`: accumulate_steps
  // batches, or fewer at the epoch's end (without the short last batch under drop_last).
  int64_t rows_in_cycle(int64_t rows) const {
    const int64_t batch_size = context_.options.batch_size;
    const int64_t left = data().train.size() - (loader_.position() - rows);
    const int64_t usable = context_.options.drop_last ? left / batch_size * batch_size : left;
    return std::min(context_.options.accumulate_steps * batch_size, usable);
  }

  bool last_batch_of_epoch() const {
    const int64_t left = data().train.size() - loader_.position();
    return left == 0 || (context_.options.drop_last && left < context_.options.batch_size);
  }

  bool diverged() {
    context_.result.diverged = true;
    context_.stop_reason = "the training loss became " + std::string(std::isnan(context_.loss) ? "NaN" : "infinite") +
                           " at epoch " + std::to_string(context_.progress.epoch) + ", step " +
                           std::to_string(context_.progress.step) +
                           (context_.progress.have_best
                                ? "; kept the best parameters so far (lower the learning rate?)"
                                : "; no epoch had finished, so kept the initial parameters (lower the learning rate?)");
    context_.batch = nullptr;
    return false;
  }

  // The epoch's metrics, the dev evaluation, the best parameters so far, the schedule, and the
  // callbacks' on_epoch_end.
  void end_epoch(Clock::time_point epoch_start) {
    TrainingProgress& progress = context_.progress;
    if (progress.seen == 0)
      throw ValueError("fit: an epoch had no batches (batch size larger than the data with drop_last?)");
    const auto seen = static_cast<double>(progress.seen);
    EpochMetrics metrics{.epoch = progress.epoch,
                         .train_loss = progress.loss_sum / seen,
                         .train_acc = static_cast<double>(progress.correct) / seen,
                         .lr = progress.lr,
                         .hyperparameters = progress.hyperparameters,
                         .steps = progress.step};
    if (context_.options.skip_nonfinite > 0) metrics.skipped_steps = progress.skipped_steps;
    if (data().train.is_multilabel())
      metrics.train_label_acc =
          static_cast<double>(progress.labels_correct) / (seen * static_cast<double>(data().train.num_labels));
    if (average_ && context_.options.swa_start > 0 && progress.epoch >= context_.options.swa_start)
      average_->update_parameters(context_.model);
    if (average_) metrics.n_averaged = average_->n_averaged();
    // Schedule-Free AdamW evaluates at a point other than the one it trains (a no-op for the others).
    context_.optimizer.eval();
    on_evaluated_weights([&] {
      const EvalResult dev = evaluate_(context_.model, data().dev, loss_fn_, context_.options.eval_batch_size);
      metrics.dev_loss = dev.loss;
      metrics.dev_acc = dev.accuracy;
      if (data().train.is_multilabel()) metrics.dev_label_acc = dev.label_accuracy;
      keep_if_best(metrics);
    });
    metrics.seconds = seconds_since(epoch_start);
    progress.history.push_back(metrics);
    context_.optimizer.train();
    if (context_.schedule) context_.schedule->after_epoch(metrics.dev_loss, metrics.dev_acc);
    progress.epoch_started = false;
    notify(&Callback::on_epoch_end);
  }

  // Runs `evaluate` with the averaged weights in the model (their batch-norm statistics
  // recomputed by update_bn over the training set), then puts the trained ones back; with
  // nothing averaged yet, with the trained weights.
  void on_evaluated_weights(const std::function<void()>& evaluate) {
    if (!average_ || average_->n_averaged() == 0) return evaluate();
    const NamedTensors trained = snapshot(context_.model);
    average_->copy_to(context_.model);
    if (batch_norm_) {
      // In order, without augmentation; dropout's draws are given back, so that averaging leaves
      // the training itself as it would be without.
      const Generator::State generator = default_generator().state();
      DataLoader loader(data().train, {.batch_size = context_.options.batch_size, .shuffle = false});
      update_bn(loader, context_.model);
      default_generator().set_state(generator);
    }
    evaluate();
    context_.model.load_state_dict(trained);
  }

  // Keeps the parameters with the best dev score (accuracy; loss for regression and multi-label
  // data, where exact match is too coarse to select on). Without a
  // dev set there is nothing to select on: the latest parameters are kept.
  void keep_if_best(const EpochMetrics& metrics) {
    TrainingProgress& progress = context_.progress;
    const bool by_accuracy = data().train.is_classification() && data().dev.size() > 0;
    const bool better =
        !progress.have_best || data().dev.size() == 0 ||
        (by_accuracy ? metrics.dev_acc > progress.best_dev_acc : metrics.dev_loss < progress.best_dev_loss);
    if (!better) return;
    progress.have_best = true;
    context_.best = snapshot(context_.model);
    progress.best_epoch = metrics.epoch;
    progress.best_dev_acc = metrics.dev_acc;
    progress.best_dev_loss = metrics.dev_loss;
  }

  // Restores the best parameters and tests them (not when interrupted: a resume continues).
  void finish(Clock::time_point fit_start) {
    const TrainingProgress& progress = context_.progress;
    FitResult& result = context_.result;
    if (!context_.interrupted) {
      // Without a finished epoch the copy is of the initial parameters: diverged ones are never kept.
      if (progress.have_best || result.diverged) context_.model.load_state_dict(context_.best);
      const EvalResult test = evaluate_(context_.model, data().test, loss_fn_, context_.options.eval_batch_size);
      result.test_loss = test.loss;
      result.test_acc = test.accuracy;
      result.test_label_acc = test.label_accuracy;
    }
    result.history = progress.history;
    result.best_epoch = progress.best_epoch;
    result.best_dev_acc = progress.best_dev_acc;
    result.best_dev_loss = progress.best_dev_loss;
    result.step_losses = progress.step_losses;
    result.interrupted = context_.interrupted;
    result.stopped_early = context_.stop && !context_.interrupted;
    result.stop_reason = context_.stop_reason;
    result.seconds = seconds_since(fit_start);
  }

  const DataSplits& data() const { return context_.data; }

  const LossFunction loss_fn_;
  const std::vector<Tensor> weights_;  // the L2 penalty's
  DataLoader loader_;
  const std::function<EvalResult(Module&, const Dataset&, const LossFunction&, int64_t)> evaluate_;
  std::vector<Callback*> callbacks_;  // in the order they run
  std::vector<std::unique_ptr<Callback>> own_callbacks_;
  std::optional<AveragedModel> average_;  // with FitOptions::ema or swa_start
  const bool batch_norm_;                 // the model has batch norm: update_bn before evaluating an average
  FitContext context_;
  int64_t accumulated_ = 0;  // minibatches of the accumulation cycle under way (0 at a step boundary)
  int64_t cycle_rows_ = 0;   // the examples of that cycle
};

}  // namespace

void check_averaging(const FitOptions& options) {
  if (!(options.ema >= 0.0 && options.ema < 1.0))
    throw ValueError("--ema must be a decay in [0, 1) (0: off), got " + format_number(options.ema));
  if (options.swa_start < 0 || options.swa_start > options.epochs)
    throw ValueError("--swa-start must be an epoch from 1 to --epochs (" + std::to_string(options.epochs) + "), got " +
                     std::to_string(options.swa_start));
  if (options.ema > 0 && options.swa_start > 0)
    throw ValueError("--ema and --swa-start are two kinds of weight averaging; use one");
}

FitResult fit(Module& model, optim::Optimizer& optimizer, const DataSplits& data, const FitOptions& options,
              const FitExtras& extras) {
  if (options.epochs < 0) throw ValueError("fit: epochs must be >= 0, got " + std::to_string(options.epochs));
  if (options.batch_size <= 0)
    throw ValueError("fit: batch size must be positive, got " + std::to_string(options.batch_size));
  if (data.train.size() == 0) throw ValueError("fit: the training set is empty");
  if (options.accumulate_steps < 1)
    throw ValueError("--accumulate-steps must be >= 1 (1: a step every batch), got " +
                     std::to_string(options.accumulate_steps));
  check_averaging(options);
  if (options.accumulate_steps > 1 && (optimizer.needs_closure() || extras.shard_count > 1))
    throw ValueError("--accumulate-steps cannot be used with a closure optimizer (L-BFGS) or under mpirun");
  return TrainingLoop(model, optimizer, data, options, extras).run();
}

}  // namespace descent
