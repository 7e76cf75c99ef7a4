// PyTorch's chainable schedules, line for line as torch/optim/lr_scheduler.py (1.13) computes
// them, so the lrs equal torch's bit for bit. For each options type: its name, the checks of
// its constructor, next_lr (get_lr: a group's lr at step t from its lr at t − 1) and
// closed_form (_get_closed_form_lr: the lr at step t from the group's base lr).
#include "descent/schedule/decay.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace descent::optim {

namespace {

using std::numbers::pi;

void require_positive(const std::string& schedule, const std::string& key, int64_t value) {
  if (value <= 0) throw ValueError(schedule + ": " + key + " must be a positive integer, got " + std::to_string(value));
}

void require_factor(const std::string& schedule, const std::string& key, double value) {
  if (!(value >= 0.0 && value <= 1.0))
    throw ValueError(schedule + ": " + key + " must be in [0, 1], got " + format_number(value));
}

// ---- StepLR ----
std::string name_of(const StepLROptions&) { return "step"; }
void check(const StepLROptions& o) { require_positive("step", "step_size", o.step_size); }
double next_lr(const StepLROptions& o, int64_t t, double lr, double) {
  return t == 0 || t % o.step_size != 0 ? lr : lr * o.gamma;
}
double closed_form(const StepLROptions& o, int64_t t, double base) {
  const int64_t decays = t / o.step_size;  // whole periods elapsed: floor division intended
  return base * std::pow(o.gamma, static_cast<double>(decays));
}

// ---- MultiStepLR ----
std::string name_of(const MultiStepLROptions&) { return "multistep"; }
void check(const MultiStepLROptions& o) {
  const std::vector<int64_t>& m = o.milestones;
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m[i] < 0) throw ValueError("multistep: milestone " + std::to_string(m[i]) + " is negative");
    if (i > 0 && m[i] < m[i - 1])
      throw ValueError("multistep: milestones must be increasing, but " + std::to_string(m[i]) + " follows " +
                       std::to_string(m[i - 1]));
  }
}
double next_lr(const MultiStepLROptions& o, int64_t t, double lr, double) {
  auto count = std::count(o.milestones.begin(), o.milestones.end(), t);
  return count == 0 ? lr : lr * std::pow(o.gamma, static_cast<double>(count));
}
double closed_form(const MultiStepLROptions& o, int64_t t, double base) {
  auto passed = std::upper_bound(o.milestones.begin(), o.milestones.end(), t) - o.milestones.begin();  // bisect_right
  return base * std::pow(o.gamma, static_cast<double>(passed));
}

// ---- ExponentialLR ----
std::string name_of(const ExponentialLROptions&) { return "exponential"; }
void check(const ExponentialLROptions&) {}
double next_lr(const ExponentialLROptions& o, int64_t t, double lr, double) { return t == 0 ? lr : lr * o.gamma; }
double closed_form(const ExponentialLROptions& o, int64_t t, double base) {
  return base * std::pow(o.gamma, static_cast<double>(t));
}

// ---- ConstantLR ----
std::string name_of(const ConstantLROptions&) { return "constant"; }
void check(const ConstantLROptions& o) {
  require_factor("constant", "factor", o.factor);
  if (o.total_iters < 0)
    throw ValueError("constant: total_iters must be non-negative, got " + std::to_string(o.total_iters));
}
double next_lr(const ConstantLROptions& o, int64_t t, double lr, double) {
  if (t == 0) return lr * o.factor;
  return t != o.total_iters ? lr : lr * (1.0 / o.factor);
}
double closed_form(const ConstantLROptions& o, int64_t t, double base) {
  double done = t >= o.total_iters ? 1.0 : 0.0;
  return base * (o.factor + done * (1 - o.factor));
}

// ---- LinearLR ----
std::string name_of(const LinearLROptions&) { return "linear"; }
void check(const LinearLROptions& o) {
  require_factor("linear", "start_factor", o.start_factor);
  require_factor("linear", "end_factor", o.end_factor);
  require_positive("linear", "total_iters", o.total_iters);
}
double next_lr(const LinearLROptions& o, int64_t t, double lr, double) {
  if (t == 0) return lr * o.start_factor;
  if (t > o.total_iters) return lr;
  double delta = o.end_factor - o.start_factor;
  return lr * (1. + delta / (static_cast<double>(o.total_iters) * o.start_factor + static_cast<double>(t - 1) * delta));
}
double closed_form(const LinearLROptions& o, int64_t t, double base) {
  double done = static_cast<double>(std::min(o.total_iters, t));
  return base * (o.start_factor + (o.end_factor - o.start_factor) * done / static_cast<double>(o.total_iters));
}

// ---- PolynomialLR ----
std::string name_of(const PolynomialLROptions&) { return "polynomial"; }
void check(const PolynomialLROptions& o) { require_positive("polynomial", "total_iters", o.total_iters); }
double next_lr(const PolynomialLROptions& o, int64_t t, double lr, double) {
  if (t == 0 || t > o.total_iters) return lr;
  double total = static_cast<double>(o.total_iters), step = static_cast<double>(t);
  return lr * std::pow((1.0 - step / total) / (1.0 - (step - 1) / total), o.power);
}
double closed_form(const PolynomialLROptions& o, int64_t t, double base) {
  double total = static_cast<double>(o.total_iters), step = static_cast<double>(std::min(o.total_iters, t));
  return base * std::pow(1.0 - step / total, o.power);
}

// ---- CosineAnnealingLR ----
std::string name_of(const CosineAnnealingLROptions&) { return "cosine"; }
void check(const CosineAnnealingLROptions& o) { require_positive("cosine", "T_max", o.T_max); }
double next_lr(const CosineAnnealingLROptions& o, int64_t t, double lr, double base) {
  const double T_max = static_cast<double>(o.T_max), step = static_cast<double>(t);
  if (t == 0) return lr;
  // The step after each trough: the recursive form's ratio would divide by 1 + cos(π) = 0.
  if ((t - 1 - o.T_max) % (2 * o.T_max) == 0) return lr + (base - o.eta_min) * (1 - std::cos(pi / T_max)) / 2;
  return (1 + std::cos(pi * step / T_max)) / (1 + std::cos(pi * (step - 1) / T_max)) * (lr - o.eta_min) + o.eta_min;
}
double closed_form(const CosineAnnealingLROptions& o, int64_t t, double base) {
  return o.eta_min +
         (base - o.eta_min) * (1 + std::cos(pi * static_cast<double>(t) / static_cast<double>(o.T_max))) / 2;
}

}  // namespace

template <class ScheduleOptions>
ChainableLR<ScheduleOptions>::ChainableLR(Optimizer& optimizer, ScheduleOptions options, std::vector<double> base_lrs)
    : LRScheduler(optimizer, std::move(base_lrs)), options_(std::move(options)) {
  check(options_);
  initial_step();
}

template <class ScheduleOptions>
std::string ChainableLR<ScheduleOptions>::name() const {
  return name_of(options_);
}

template <class ScheduleOptions>
std::vector<double> ChainableLR<ScheduleOptions>::get_lr() {
  std::vector<double> lrs = group_lrs();
  for (std::size_t i = 0; i < lrs.size(); ++i) lrs[i] = next_lr(options_, last_epoch_, lrs[i], base_lrs_[i]);
  return lrs;
}

template <class ScheduleOptions>
std::optional<std::vector<double>> ChainableLR<ScheduleOptions>::closed_form_lr() const {
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(closed_form(options_, last_epoch_, base));
  return lrs;
}

template class ChainableLR<StepLROptions>;
template class ChainableLR<MultiStepLROptions>;
template class ChainableLR<ExponentialLROptions>;
template class ChainableLR<ConstantLROptions>;
template class ChainableLR<LinearLROptions>;
template class ChainableLR<PolynomialLROptions>;
template class ChainableLR<CosineAnnealingLROptions>;

}  // namespace descent::optim
