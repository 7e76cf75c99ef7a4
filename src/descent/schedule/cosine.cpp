// SGDR, line for line as torch/optim/lr_scheduler.py (1.13).
#include "descent/schedule/cosine.hpp"

#include <cmath>
#include <numbers>

namespace descent::optim {

using std::numbers::pi;

CosineAnnealingWarmRestarts::CosineAnnealingWarmRestarts(Optimizer& optimizer,
                                                         CosineAnnealingWarmRestartsOptions options,
                                                         std::vector<double> base_lrs)
    : LRScheduler(optimizer, std::move(base_lrs)), options_(options), T_i_(options.T_0) {
  if (options.T_0 <= 0)
    throw ValueError("cosine_restarts: T_0 must be a positive integer, got " + std::to_string(options.T_0));
  if (options.T_mult < 1)
    throw ValueError("cosine_restarts: T_mult must be an integer >= 1, got " + std::to_string(options.T_mult));
  initial_step();
}

std::vector<double> CosineAnnealingWarmRestarts::get_lr() {
  std::vector<double> lrs;
  for (double base : base_lrs_)
    lrs.push_back(options_.eta_min +
                  (base - options_.eta_min) * (1 + std::cos(pi * T_cur_ / static_cast<double>(T_i_))) / 2);
  return lrs;
}

void CosineAnnealingWarmRestarts::step() {
  if (last_epoch_ < 0) {
    step_to(0);
    return;
  }
  ++step_count_;
  ++last_epoch_;
  T_cur_ = T_cur_ + 1;
  if (T_cur_ >= static_cast<double>(T_i_)) {
    T_cur_ = T_cur_ - static_cast<double>(T_i_);
    T_i_ = T_i_ * options_.T_mult;
  }
  set_lrs(get_lr());
}

void CosineAnnealingWarmRestarts::step_to(int64_t epoch) {
  if (epoch < 0) throw ValueError("cosine_restarts: expected a non-negative epoch, got " + std::to_string(epoch));
  const int64_t T_0 = options_.T_0, T_mult = options_.T_mult;
  if (epoch >= T_0) {
    if (T_mult == 1) {
      T_cur_ = static_cast<double>(epoch % T_0);
    } else {
      // The restart index n solves T_0 (T_mult^n − 1) / (T_mult − 1) ≤ epoch.
      double e = static_cast<double>(epoch), m = static_cast<double>(T_mult);
      auto n = static_cast<int64_t>(std::log(e / static_cast<double>(T_0) * (m - 1) + 1) / std::log(m));
      double m_n = std::pow(m, static_cast<double>(n));
      T_cur_ = e - static_cast<double>(T_0) * (m_n - 1) / (m - 1);
      T_i_ = T_0 * static_cast<int64_t>(m_n);
    }
  } else {
    T_i_ = T_0;
    T_cur_ = static_cast<double>(epoch);
  }
  ++step_count_;
  last_epoch_ = epoch;
  set_lrs(get_lr());
}

nlohmann::json CosineAnnealingWarmRestarts::state_dict() const {
  nlohmann::json state = LRScheduler::state_dict();
  state["T_i"] = T_i_;
  state["T_cur"] = T_cur_;
  return state;
}

void CosineAnnealingWarmRestarts::load_state_dict(const nlohmann::json& state) {
  check_state(state);
  int64_t T_i = state.at("T_i").get<int64_t>();
  double T_cur = state.at("T_cur").get<double>();
  LRScheduler::load_state_dict(state);
  T_i_ = T_i;
  T_cur_ = T_cur;
}

}  // namespace descent::optim
