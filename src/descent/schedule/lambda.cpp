// LambdaLR, MultiplicativeLR and FunctionLR, as torch/optim/lr_scheduler.py (1.13).
#include "descent/schedule/lambda.hpp"

namespace descent::optim {

namespace {

std::vector<LrLambda> one_per_group(const std::string& schedule, std::vector<LrLambda> lambdas, std::size_t groups) {
  if (lambdas.size() == 1) return std::vector<LrLambda>(groups, lambdas[0]);
  if (lambdas.size() != groups)
    throw ValueError(schedule + ": expected 1 or " + std::to_string(groups) +
                     " lr_lambdas (one per parameter group), got " + std::to_string(lambdas.size()));
  return lambdas;
}

}  // namespace

LambdaScheduler::LambdaScheduler(Optimizer& optimizer, Applied applied, std::vector<LrLambda> lr_lambdas,
                                 std::vector<double> base_lrs)
    : LRScheduler(optimizer, std::move(base_lrs)),
      applied_(applied),
      lambdas_(one_per_group(name(), std::move(lr_lambdas), num_groups())) {
  initial_step();
}

std::string LambdaScheduler::name() const { return applied_ == Applied::to_base_lr ? "lambda" : "multiplicative"; }

std::vector<double> LambdaScheduler::get_lr() {
  if (applied_ == Applied::to_base_lr) {
    std::vector<double> lrs;
    for (std::size_t i = 0; i < base_lrs_.size(); ++i) lrs.push_back(base_lrs_[i] * lambdas_[i](last_epoch_));
    return lrs;
  }
  std::vector<double> lrs = group_lrs();
  if (last_epoch_ > 0)
    for (std::size_t i = 0; i < lrs.size(); ++i) lrs[i] = lrs[i] * lambdas_[i](last_epoch_);
  return lrs;
}

FunctionLR::FunctionLR(Optimizer& optimizer, std::string name, LrFunction f, std::vector<double> base_lrs)
    : LRScheduler(optimizer, std::move(base_lrs)), name_(std::move(name)), f_(std::move(f)) {
  initial_step();
}

std::vector<double> FunctionLR::get_lr() { return *closed_form_lr(); }

std::optional<std::vector<double>> FunctionLR::closed_form_lr() const {
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(f_(base, last_epoch_));
  return lrs;
}

}  // namespace descent::optim
