// ReduceLROnPlateau, line for line as torch/optim/lr_scheduler.py (1.13).
#include "descent/schedule/plateau.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

namespace descent::optim {

namespace {

// JSON has no infinity: the "no best yet" value is stored as null.
nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

}  // namespace

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options,
                                     std::vector<double> base_lrs)
    : LRScheduler(optimizer, std::move(base_lrs)), options_(std::move(options)) {
  const auto& o = options_;
  if (!(o.factor < 1.0 && o.factor >= 0.0))
    throw ValueError("plateau: factor must be in [0, 1), got " + std::to_string(o.factor));
  if (o.mode != "min" && o.mode != "max")
    throw ValueError("plateau: mode '" + o.mode + "' is unknown (valid: min, max)");
  if (o.threshold_mode != "rel" && o.threshold_mode != "abs")
    throw ValueError("plateau: threshold_mode '" + o.threshold_mode + "' is unknown (valid: rel, abs)");
  if (o.patience < 0) throw ValueError("plateau: patience must be non-negative, got " + std::to_string(o.patience));
  if (o.cooldown < 0) throw ValueError("plateau: cooldown must be non-negative, got " + std::to_string(o.cooldown));
  min_lrs_ = per_group("plateau", "min_lr", o.min_lr, num_groups());
  for (double m : min_lrs_)
    if (m < 0) throw ValueError("plateau: min_lr must be non-negative, got " + std::to_string(m));
  last_epoch_ = 0;
  reset();
}

void ReduceLROnPlateau::reset() {
  best_ = options_.mode == "min" ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  cooldown_counter_ = 0;
  num_bad_epochs_ = 0;
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  const double th = options_.threshold;
  if (options_.mode == "min") return options_.threshold_mode == "rel" ? a < best * (1. - th) : a < best - th;
  return options_.threshold_mode == "rel" ? a > best * (th + 1.) : a > best + th;
}

void ReduceLROnPlateau::step(double metric) {
  ++last_epoch_;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;  // bad epochs in cooldown do not count
  }
  if (num_bad_epochs_ > options_.patience) {
    auto& groups = optimizer().param_groups();
    for (std::size_t i = 0; i < groups.size(); ++i) {
      double old_lr = groups[i].lr();
      double new_lr = std::max(old_lr * options_.factor, min_lrs_[i]);
      if (old_lr - new_lr > options_.eps) groups[i].set_lr(new_lr);
    }
    cooldown_counter_ = options_.cooldown;
    num_bad_epochs_ = 0;
  }
  last_lr_ = group_lrs();
}

void ReduceLROnPlateau::step() {
  throw ValueError("plateau: step() needs the metric to watch (the dev loss or accuracy); call step(metric)");
}

void ReduceLROnPlateau::step_to(int64_t epoch) {
  last_epoch_ = epoch;
  reset();
  set_lrs(base_lrs_);
}

nlohmann::json ReduceLROnPlateau::state_dict() const {
  nlohmann::json state = LRScheduler::state_dict();
  state["best"] = finite_or_null(best_);
  state["num_bad_epochs"] = num_bad_epochs_;
  state["cooldown_counter"] = cooldown_counter_;
  return state;
}

void ReduceLROnPlateau::load_state_dict(const nlohmann::json& state) {
  check_state(state);
  const nlohmann::json& best = state.at("best");
  double best_value = best.is_null() ? (options_.mode == "min" ? std::numeric_limits<double>::infinity()
                                                               : -std::numeric_limits<double>::infinity())
                                     : best.get<double>();
  int64_t bad = state.at("num_bad_epochs").get<int64_t>();
  int64_t cooldown = state.at("cooldown_counter").get<int64_t>();
  LRScheduler::load_state_dict(state);
  best_ = best_value;
  num_bad_epochs_ = bad;
  cooldown_counter_ = cooldown;
}

std::unique_ptr<ReduceLROnPlateau> plateau_on_dev_accuracy(Optimizer& optimizer, AccuracyPlateauOptions options,
                                                           std::vector<double> base_lrs) {
  if (options.epochs < 1)
    throw ValueError("accuracy_plateau: epochs must be at least 1, got " + std::to_string(options.epochs));
  return std::make_unique<ReduceLROnPlateau>(optimizer,
                                             ReduceLROnPlateauOptions{.mode = "max",
                                                                      .factor = options.factor,
                                                                      .patience = options.epochs - 1,
                                                                      .threshold = 0.0,
                                                                      .threshold_mode = "abs",
                                                                      .min_lr = {options.min_lr}},
                                             std::move(base_lrs));
}

}  // namespace descent::optim
