// CyclicLR, line for line as torch/optim/lr_scheduler.py (1.13).
#include "descent/schedule/cyclic.hpp"

#include <cmath>

namespace descent::optim {

CyclicLR::CyclicLR(Optimizer& optimizer, CyclicLROptions options, std::vector<double> inherited_base_lrs)
    : LRScheduler(optimizer, inherited_base_lrs), options_(std::move(options)) {
  const auto& o = options_;
  std::size_t n = num_groups();
  std::vector<double> base_lrs = o.base_lr.empty() ? group_lrs() : per_group("cyclic", "base_lr", o.base_lr, n);
  max_lrs_ = per_group("cyclic", "max_lr", o.max_lr, n);
  for (std::size_t i = 0; i < n; ++i)
    if (max_lrs_[i] < base_lrs[i])
      throw ValueError("cyclic: max_lr (" + std::to_string(max_lrs_[i]) + ") must not be below base_lr (" +
                       std::to_string(base_lrs[i]) + ") in group " + std::to_string(i));
  if (o.step_size_up <= 0 || o.step_size_down < 0)
    throw ValueError("cyclic: step_size_up must be positive and step_size_down non-negative, got " +
                     std::to_string(o.step_size_up) + " and " + std::to_string(o.step_size_down));
  if (!o.scale_fn && o.mode != "triangular" && o.mode != "triangular2" && o.mode != "exp_range")
    throw ValueError("cyclic: mode '" + o.mode + "' is unknown (valid: triangular, triangular2, exp_range)");
  if (o.scale_fn && o.scale_mode != "cycle" && o.scale_mode != "iterations")
    throw ValueError("cyclic: scale_mode '" + o.scale_mode + "' is unknown (valid: cycle, iterations)");

  for (std::size_t i = 0; i < n; ++i) optimizer.param_groups()[i].set_lr(base_lrs[i]);
  double up = static_cast<double>(o.step_size_up);
  double down = o.step_size_down > 0 ? static_cast<double>(o.step_size_down) : up;
  total_size_ = up + down;
  step_ratio_ = up / total_size_;
  scale_by_cycle_ = o.scale_fn ? o.scale_mode == "cycle" : o.mode != "exp_range";

  if (o.cycle_momentum) {
    if (!optimizer.defaults().count("momentum"))
      throw ValueError("cyclic: optimizer '" + optimizer.name() + "' has no momentum to cycle; set cycle_momentum=0");
    std::vector<double> base_momentums = per_group("cyclic", "base_momentum", o.base_momentum, n);
    for (std::size_t i = 0; i < n; ++i) optimizer.param_groups()[i].options["momentum"] = base_momentums[i];
    base_momentums_ = base_momentums;
    max_momentums_ = per_group("cyclic", "max_momentum", o.max_momentum, n);
  }
  // PyTorch takes the first step with the base lrs it inherits (an enclosing composite's shared
  // "initial_lr") and only then adopts base_lr; on its own it has base_lr from the start.
  if (inherited_base_lrs.empty()) base_lrs_ = base_lrs;
  initial_step();
  base_lrs_ = base_lrs;
}

double CyclicLR::scale(double x) const {
  if (options_.scale_fn) return options_.scale_fn(x);
  if (options_.mode == "triangular") return 1.;
  if (options_.mode == "triangular2") return 1 / std::pow(2., x - 1);
  return std::pow(options_.gamma, x);  // exp_range
}

std::vector<double> CyclicLR::get_lr() {
  double t = static_cast<double>(last_epoch_);
  double cycle = std::floor(1 + t / total_size_);
  double x = 1. + t / total_size_ - cycle;
  double scale_factor = x <= step_ratio_ ? x / step_ratio_ : (x - 1) / (step_ratio_ - 1);
  double amplitude_scale = scale(scale_by_cycle_ ? cycle : t);

  std::vector<double> lrs;
  for (std::size_t i = 0; i < base_lrs_.size(); ++i) {
    double base_height = (max_lrs_[i] - base_lrs_[i]) * scale_factor;
    lrs.push_back(base_lrs_[i] + base_height * amplitude_scale);
  }
  if (options_.cycle_momentum) {
    auto& groups = optimizer().param_groups();
    for (std::size_t i = 0; i < groups.size(); ++i) {
      double base_height = (max_momentums_[i] - base_momentums_[i]) * scale_factor;
      groups[i].options["momentum"] = max_momentums_[i] - base_height * amplitude_scale;
    }
  }
  return lrs;
}

}  // namespace descent::optim
