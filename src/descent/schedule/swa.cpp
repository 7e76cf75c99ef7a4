// SWALR, line for line as torch/optim/swa_utils.py (1.13). Being recursive, it recovers the lr
// the annealing started from out of the current lr and the previous step's mixing weight.
#include "descent/schedule/swa.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace descent::optim {

SWALR::SWALR(Optimizer& optimizer, SWALROptions options, std::vector<double> base_lrs)
    : LRScheduler(optimizer, std::move(base_lrs)), options_(std::move(options)) {
  swa_lrs_ = per_group("swa", "swa_lr", options_.swa_lr, num_groups());
  if (options_.anneal_strategy != "cos" && options_.anneal_strategy != "linear")
    throw ValueError("swa: anneal_strategy '" + options_.anneal_strategy + "' is unknown (valid: cos, linear)");
  if (options_.anneal_epochs < 0)
    throw ValueError("swa: anneal_epochs must be non-negative, got " + std::to_string(options_.anneal_epochs));
  initial_step();
}

double SWALR::anneal(double t) const {
  if (options_.anneal_strategy == "cos") return (1 - std::cos(std::numbers::pi * t)) / 2;
  return t;
}

std::vector<double> SWALR::get_lr() {
  int64_t step = step_count_ - 1;
  if (options_.anneal_epochs == 0) step = std::max<int64_t>(1, step);
  const double epochs = static_cast<double>(std::max<int64_t>(1, options_.anneal_epochs));
  double prev_t = std::clamp(static_cast<double>(step - 1) / epochs, 0.0, 1.0);
  double prev_alpha = anneal(prev_t);
  double t = std::clamp(static_cast<double>(step) / epochs, 0.0, 1.0);
  double alpha = anneal(t);
  std::vector<double> lrs = group_lrs();
  for (std::size_t i = 0; i < lrs.size(); ++i) {
    // The lr the annealing started from (PyTorch's _get_initial_lr).
    double start = prev_alpha == 1 ? swa_lrs_[i] : (lrs[i] - prev_alpha * swa_lrs_[i]) / (1 - prev_alpha);
    lrs[i] = swa_lrs_[i] * alpha + start * (1 - alpha);
  }
  return lrs;
}

}  // namespace descent::optim
