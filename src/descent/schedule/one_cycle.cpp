// OneCycleLR, line for line as torch/optim/lr_scheduler.py (1.13).
#include "descent/schedule/one_cycle.hpp"

#include <cmath>
#include <numbers>

namespace descent::optim {

namespace {
constexpr int kInitial = 0, kMax = 1, kMin = 2;     // lr_table_ columns
constexpr int kMaxMomentum = 0, kBaseMomentum = 1;  // momentum_table_ columns
}  // namespace

OneCycleLR::OneCycleLR(Optimizer& optimizer, OneCycleLROptions options, std::vector<double> base_lrs)
    : LRScheduler(optimizer, std::move(base_lrs)), options_(std::move(options)) {
  const auto& o = options_;
  if (o.total_steps > 0) {
    total_steps_ = o.total_steps;
  } else if (o.epochs > 0 && o.steps_per_epoch > 0) {
    total_steps_ = o.epochs * o.steps_per_epoch;
  } else {
    throw ValueError("onecycle: give total_steps > 0, or epochs > 0 and steps_per_epoch > 0 (got total_steps=" +
                     std::to_string(o.total_steps) + ", epochs=" + std::to_string(o.epochs) +
                     ", steps_per_epoch=" + std::to_string(o.steps_per_epoch) + ")");
  }
  if (!(o.pct_start >= 0 && o.pct_start <= 1))
    throw ValueError("onecycle: pct_start must be in [0, 1], got " + std::to_string(o.pct_start));
  if (o.anneal_strategy != "cos" && o.anneal_strategy != "linear")
    throw ValueError("onecycle: anneal_strategy '" + o.anneal_strategy + "' is unknown (valid: cos, linear)");
  if (!(o.div_factor > 0 && o.final_div_factor > 0))
    throw ValueError("onecycle: div_factor and final_div_factor must be positive");

  const double total = static_cast<double>(total_steps_);
  if (o.three_phase)
    phases_ = {{o.pct_start * total - 1, kInitial, kMax, kMaxMomentum, kBaseMomentum},
               {2 * o.pct_start * total - 2, kMax, kInitial, kBaseMomentum, kMaxMomentum},
               {total - 1, kInitial, kMin, kMaxMomentum, kMaxMomentum}};
  else
    phases_ = {{o.pct_start * total - 1, kInitial, kMax, kMaxMomentum, kBaseMomentum},
               {total - 1, kMax, kMin, kBaseMomentum, kMaxMomentum}};

  std::size_t n = num_groups();
  std::vector<double> max_lrs = o.max_lr.empty() ? group_lrs() : per_group("onecycle", "max_lr", o.max_lr, n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!(max_lrs[i] > 0)) throw ValueError("onecycle: max_lr must be positive, got " + std::to_string(max_lrs[i]));
    double initial = max_lrs[i] / o.div_factor;
    lr_table_.push_back({initial, max_lrs[i], initial / o.final_div_factor});
  }

  if (o.cycle_momentum) {
    const Options& defaults = optimizer.defaults();
    if (defaults.count("beta1"))
      momentum_key_ = "beta1";
    else if (defaults.count("momentum"))
      momentum_key_ = "momentum";
    else
      throw ValueError("onecycle: optimizer '" + optimizer.name() +
                       "' has neither momentum nor beta1 to cycle; set cycle_momentum=0");
    std::vector<double> maxes = per_group("onecycle", "max_momentum", o.max_momentum, n);
    std::vector<double> bases = per_group("onecycle", "base_momentum", o.base_momentum, n);
    for (std::size_t i = 0; i < n; ++i) {
      optimizer.param_groups()[i].options[momentum_key_] = maxes[i];
      momentum_table_.push_back({maxes[i], bases[i]});
    }
  }
  // PyTorch overwrites the groups' initial_lr with max_lr / div_factor: those are the base lrs.
  base_lrs_.clear();
  for (const auto& row : lr_table_) base_lrs_.push_back(row[kInitial]);
  initial_step();
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (options_.anneal_strategy == "cos") {
    double cos_out = std::cos(std::numbers::pi * pct) + 1;
    return end + (start - end) / 2.0 * cos_out;
  }
  return (end - start) * pct + start;
}

std::vector<double> OneCycleLR::get_lr() {
  if (last_epoch_ > total_steps_)
    throw ValueError("onecycle: step() called " + std::to_string(last_epoch_) +
                     " times, past the schedule's total_steps=" + std::to_string(total_steps_));
  const double step_num = static_cast<double>(last_epoch_);
  std::vector<double> lrs;
  auto& groups = optimizer().param_groups();
  for (std::size_t g = 0; g < groups.size(); ++g) {
    double start_step = 0;
    for (std::size_t i = 0; i < phases_.size(); ++i) {
      const Phase& phase = phases_[i];
      if (step_num <= phase.end_step || i == phases_.size() - 1) {
        double pct = (step_num - start_step) / (phase.end_step - start_step);
        lrs.push_back(anneal(lr_table_[g][phase.start_lr], lr_table_[g][phase.end_lr], pct));
        if (!momentum_key_.empty())
          groups[g].options[momentum_key_] =
              anneal(momentum_table_[g][phase.start_momentum], momentum_table_[g][phase.end_momentum], pct);
        break;
      }
      start_step = phase.end_step;
    }
  }
  return lrs;
}

}  // namespace descent::optim
