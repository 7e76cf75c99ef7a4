// PyTorch's multiplicative decays, line for line as torch/optim/lr_scheduler.py (1.13) computes
// them, so the lrs equal torch's bit for bit.
#include "descent/schedule/decay.hpp"

#include <algorithm>
#include <cmath>

namespace descent {

namespace {

std::vector<double> scaled(std::vector<double> lrs, double factor) {
  for (double& lr : lrs) lr *= factor;
  return lrs;
}

void require_positive(const std::string& schedule, const std::string& key, int64_t value) {
  if (value <= 0)
    throw ValueError(schedule + ": " + key + " must be a positive integer, got " + std::to_string(value));
}

void require_factor(const std::string& schedule, const std::string& key, double value) {
  if (!(value >= 0.0 && value <= 1.0))
    throw ValueError(schedule + ": " + key + " must be in [0, 1], got " + std::to_string(value));
}

}  // namespace

StepLR::StepLR(Optimizer& optimizer, StepLROptions options) : LRScheduler(optimizer), options_(options) {
  require_positive("step", "step_size", options.step_size);
  initial_step();
}

std::vector<double> StepLR::get_lr() {
  if (last_epoch_ == 0 || last_epoch_ % options_.step_size != 0) return group_lrs();
  return scaled(group_lrs(), options_.gamma);
}

std::optional<std::vector<double>> StepLR::closed_form_lr() const {
  std::vector<double> lrs;
  for (double base : base_lrs_)
    lrs.push_back(base * std::pow(options_.gamma, static_cast<double>(last_epoch_ / options_.step_size)));
  return lrs;
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, MultiStepLROptions options)
    : LRScheduler(optimizer), options_(std::move(options)) {
  const std::vector<int64_t>& m = options_.milestones;
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i] < 0) throw ValueError("multistep: milestone " + std::to_string(m[i]) + " is negative");
    if (i > 0 && m[i] < m[i - 1])
      throw ValueError("multistep: milestones must be increasing, but " + std::to_string(m[i]) + " follows " +
                       std::to_string(m[i - 1]));
  }
  initial_step();
}

std::vector<double> MultiStepLR::get_lr() {
  const auto& m = options_.milestones;
  auto count = std::count(m.begin(), m.end(), last_epoch_);
  if (count == 0) return group_lrs();
  return scaled(group_lrs(), std::pow(options_.gamma, static_cast<double>(count)));
}

std::optional<std::vector<double>> MultiStepLR::closed_form_lr() const {
  const auto& m = options_.milestones;
  auto passed = std::upper_bound(m.begin(), m.end(), last_epoch_) - m.begin();  // bisect_right
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * std::pow(options_.gamma, static_cast<double>(passed)));
  return lrs;
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, ExponentialLROptions options)
    : LRScheduler(optimizer), options_(options) {
  initial_step();
}

std::vector<double> ExponentialLR::get_lr() {
  if (last_epoch_ == 0) return group_lrs();
  return scaled(group_lrs(), options_.gamma);
}

std::optional<std::vector<double>> ExponentialLR::closed_form_lr() const {
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * std::pow(options_.gamma, static_cast<double>(last_epoch_)));
  return lrs;
}

ConstantLR::ConstantLR(Optimizer& optimizer, ConstantLROptions options) : LRScheduler(optimizer), options_(options) {
  require_factor("constant", "factor", options.factor);
  if (options.total_iters < 0)
    throw ValueError("constant: total_iters must be non-negative, got " + std::to_string(options.total_iters));
  initial_step();
}

std::vector<double> ConstantLR::get_lr() {
  if (last_epoch_ == 0) return scaled(group_lrs(), options_.factor);
  if (last_epoch_ != options_.total_iters) return group_lrs();
  return scaled(group_lrs(), 1.0 / options_.factor);
}

std::optional<std::vector<double>> ConstantLR::closed_form_lr() const {
  double done = last_epoch_ >= options_.total_iters ? 1.0 : 0.0;
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * (options_.factor + done * (1 - options_.factor)));
  return lrs;
}

LinearLR::LinearLR(Optimizer& optimizer, LinearLROptions options) : LRScheduler(optimizer), options_(options) {
  require_factor("linear", "start_factor", options.start_factor);
  require_factor("linear", "end_factor", options.end_factor);
  require_positive("linear", "total_iters", options.total_iters);
  initial_step();
}

std::vector<double> LinearLR::get_lr() {
  const auto& o = options_;
  if (last_epoch_ == 0) return scaled(group_lrs(), o.start_factor);
  if (last_epoch_ > o.total_iters) return group_lrs();
  double delta = o.end_factor - o.start_factor;
  return scaled(group_lrs(), 1. + delta / (static_cast<double>(o.total_iters) * o.start_factor +
                                           static_cast<double>(last_epoch_ - 1) * delta));
}

std::optional<std::vector<double>> LinearLR::closed_form_lr() const {
  const auto& o = options_;
  double t = static_cast<double>(std::min(o.total_iters, last_epoch_));
  std::vector<double> lrs;
  for (double base : base_lrs_)
    lrs.push_back(base * (o.start_factor + (o.end_factor - o.start_factor) * t / static_cast<double>(o.total_iters)));
  return lrs;
}

PolynomialLR::PolynomialLR(Optimizer& optimizer, PolynomialLROptions options)
    : LRScheduler(optimizer), options_(options) {
  require_positive("polynomial", "total_iters", options.total_iters);
  initial_step();
}

std::vector<double> PolynomialLR::get_lr() {
  if (last_epoch_ == 0 || last_epoch_ > options_.total_iters) return group_lrs();
  double total = static_cast<double>(options_.total_iters);
  double t = static_cast<double>(last_epoch_);
  double decay = std::pow((1.0 - t / total) / (1.0 - (t - 1) / total), options_.power);
  return scaled(group_lrs(), decay);
}

std::optional<std::vector<double>> PolynomialLR::closed_form_lr() const {
  double total = static_cast<double>(options_.total_iters);
  double t = static_cast<double>(std::min(options_.total_iters, last_epoch_));
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * std::pow(1.0 - t / total, options_.power));
  return lrs;
}

}  // namespace descent
