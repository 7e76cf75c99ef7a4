// The range test as a callback on fit(): it sets the lr before each step and reads the loss after.
#include "descent/train/lr_find.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "descent/core/error.hpp"
#include "descent/core/rng.hpp"
#include "descent/core/threads.hpp"
#include "descent/optim/factory.hpp"
#include "descent/tensor/grad_mode.hpp"
#include "descent/train/callbacks.hpp"
#include "descent/train/run.hpp"

namespace descent {

void LrFindOptions::validate() const {
  if (!(start_lr > 0 && end_lr > start_lr && std::isfinite(end_lr)))
    throw ValueError("--start-lr and --end-lr must satisfy 0 < start < end, got " + std::to_string(start_lr) + " and " +
                     std::to_string(end_lr));
  if (steps < 2) throw ValueError("--steps must be >= 2, got " + std::to_string(steps));
  if (!(smoothing >= 0 && smoothing < 1)) throw ValueError("--smoothing must be in [0, 1)");
  if (!(diverge > 1)) throw ValueError("--diverge must be > 1");
}

namespace {

class LrRangeCallback : public Callback {
 public:
  LrRangeCallback(const LrFindOptions& range, LrFindResult& result) : range_(range), result_(result) {}

  // lr_i = start · (end / start)^(i / (steps − 1)), Smith's exponential schedule.
  void on_step_begin(FitContext& context) override {
    const double t = static_cast<double>(result_.lrs.size()) / static_cast<double>(range_.steps - 1);
    const double lr = range_.start_lr * std::pow(range_.end_lr / range_.start_lr, t);
    for (optim::ParamGroup& group : context.optimizer.param_groups()) group.set_lr(lr);
    result_.lrs.push_back(lr);
  }

  void on_step_end(FitContext& context) override {
    result_.losses.push_back(context.loss);
    average_ = range_.smoothing * average_ + (1 - range_.smoothing) * context.loss;
    const double smoothed = average_ / (1 - std::pow(range_.smoothing, static_cast<double>(result_.losses.size())));
    result_.smoothed.push_back(smoothed);
    best_ = std::min(best_, smoothed);
    if (!std::isfinite(smoothed) || smoothed > range_.diverge * best_) {
      result_.diverged = true;
      context.stop = true;
      context.stop_reason = "the smoothed loss diverged";
    } else if (static_cast<int64_t>(result_.lrs.size()) >= range_.steps) {
      context.stop = true;
      context.stop_reason = "the range test reached --end-lr";
    }
  }

 private:
  const LrFindOptions& range_;
  LrFindResult& result_;
  double average_ = 0, best_ = INFINITY;
};

// The minimum of the smoothed loss, and before it the steepest fall against log lr (central
// differences); the diverged tail is left out.
void suggest(LrFindResult& r) {
  const std::size_t n = r.smoothed.size() - (r.diverged && r.smoothed.size() > 1 ? 1 : 0);
  const auto lowest = static_cast<std::size_t>(
      std::min_element(r.smoothed.begin(), r.smoothed.begin() + static_cast<std::ptrdiff_t>(n)) - r.smoothed.begin());
  r.minimum_lr = r.lrs[lowest];
  r.steepest_lr = r.lrs[0];
  double steepest = INFINITY;
  for (std::size_t i = 1; i + 1 <= lowest && i + 1 < n; ++i) {
    const double slope = (r.smoothed[i + 1] - r.smoothed[i - 1]) / (std::log(r.lrs[i + 1]) - std::log(r.lrs[i - 1]));
    if (slope < steepest) {
      steepest = slope;
      r.steepest_lr = r.lrs[i];
    }
  }
}

}  // namespace

LrFindResult lr_range_test(Module& model, optim::Optimizer& optimizer, const DataSplits& data, FitOptions options,
                           const LrFindOptions& range) {
  range.validate();
  NamedTensors saved;
  {
    NoGradGuard guard;
    for (const auto& [name, t] : model.state_dict()) saved.emplace_back(name, t.detach().clone());
  }
  const int64_t batches = (data.train.size() + options.batch_size - 1) / options.batch_size;
  options.epochs = static_cast<int>((range.steps + batches - 1) / batches);
  options.accumulate_steps = 1;
  options.patience = 0;
  options.out.clear();
  options.quiet = true;
  options.checkpoints = false;
  LrFindResult result;
  LrRangeCallback callback(range, result);
  FitExtras extras;
  extras.callbacks = {&callback};
  fit(model, optimizer, data, options, extras);
  model.load_state_dict(saved);
  if (result.losses.empty()) throw ValueError("lr-find: no training step was taken");
  suggest(result);
  return result;
}

LrFindResult lr_find(const TrainConfig& config, const std::vector<std::string>& param_groups,
                     const LrFindOptions& range) {
  config.validate();
  range.validate();
  set_num_threads(config.threads);
  manual_seed(config.seed);
  const DataSplits splits = load_splits(config);
  Generator init_gen(config.seed);
  auto model = build_model(config, splits.train.item_shape, splits.train.num_outputs(), &init_gen);
  if (!config.init_from.empty()) load_initial_weights(*model, config.init_from);
  auto optimizer = optim::make_optimizer(config.optimizer, make_param_groups(model->named_parameters(), param_groups));
  return lr_range_test(*model, *optimizer, splits, config, range);
}

viz::Rendered plot_lr_find(const LrFindResult& r, const std::string& title) {
  viz::Figure figure(720, 440);
  figure.title = title;
  viz::Panel& panel = figure.add_panel();
  panel.title = "Learning-rate range test (Smith 2017)";
  panel.x_label = "learning rate";
  panel.y_label = "training loss";
  panel.x_scale = viz::Scale::log;
  // The raw loss spikes far above the smoothed curve once it diverges: the view's top follows
  // the smoothed curve, its bottom the lowest loss of either.
  double low = std::numeric_limits<double>::infinity(), high = -low;
  for (const std::vector<double>* curve : {&r.smoothed, &r.losses})
    for (double loss : *curve)
      if (std::isfinite(loss)) low = std::min(low, loss);
  for (double loss : r.smoothed)
    if (std::isfinite(loss)) high = std::max(high, loss);
  if (std::isfinite(low) && std::isfinite(high) && high > low) {
    panel.y_min = low - 0.05 * (high - low);
    panel.y_max = high + 0.05 * (high - low);
  }
  std::vector<double> clipped = r.losses;
  if (panel.y_max)
    for (double& loss : clipped) loss = std::clamp(loss, *panel.y_min, *panel.y_max);
  panel.line("loss per step", r.lrs, clipped, {.color = viz::lighten(viz::series_color(0), 0.5), .width = 1});
  panel.line("smoothed", r.lrs, r.smoothed, {.color = viz::series_color(0)});
  const auto at = [&r](double lr) {
    const auto i = static_cast<std::size_t>(std::find(r.lrs.begin(), r.lrs.end(), lr) - r.lrs.begin());
    return r.smoothed[std::min(i, r.smoothed.size() - 1)];
  };
  panel.marker("steepest descent", {r.steepest_lr, at(r.steepest_lr)}, viz::MarkerShape::circle);
  panel.marker("minimum (suggest a tenth)", {r.minimum_lr, at(r.minimum_lr)}, viz::MarkerShape::star);
  return figure.render();
}

}  // namespace descent
