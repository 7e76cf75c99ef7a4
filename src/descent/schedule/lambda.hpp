// Schedules given as C++ callables: PyTorch's LambdaLR (lr = base_lr · λ(t)) and
// MultiplicativeLR (lr = lr · λ(t) each step), and FunctionLR, which drives the groups with a
// pure schedule lr = f(base_lr, t) (optax style; see functions.hpp for the library of them).
#pragma once
#include <functional>
#include <utility>

#include "descent/schedule/scheduler.hpp"

namespace descent::optim {

// A factor of the step count: λ(t).
using LrLambda = std::function<double(int64_t step)>;
// A pure schedule: the lr after `step` scheduler steps, for a group whose base lr is base_lr.
using LrFunction = std::function<double(double base_lr, int64_t step)>;

// A λ per group (one λ serves every group), applied to the base lr (LambdaLR) or, at each
// step after the first, to the current lr (MultiplicativeLR).
class LambdaScheduler : public LRScheduler {
 public:
  enum class Applied { to_base_lr, to_current_lr };
  LambdaScheduler(Optimizer& optimizer, Applied applied, std::vector<LrLambda> lr_lambdas,
                  std::vector<double> base_lrs);
  std::string name() const override;

 private:
  std::vector<double> get_lr() override;
  Applied applied_;
  std::vector<LrLambda> lambdas_;
};

// lr_t = base_lr · λ(t).
class LambdaLR final : public LambdaScheduler {
 public:
  LambdaLR(Optimizer& optimizer, std::vector<LrLambda> lr_lambdas, std::vector<double> base_lrs = {})
      : LambdaScheduler(optimizer, Applied::to_base_lr, std::move(lr_lambdas), std::move(base_lrs)) {}
};

// lr_t = lr_{t−1} · λ(t) for t ≥ 1.
class MultiplicativeLR final : public LambdaScheduler {
 public:
  MultiplicativeLR(Optimizer& optimizer, std::vector<LrLambda> lr_lambdas, std::vector<double> base_lrs = {})
      : LambdaScheduler(optimizer, Applied::to_current_lr, std::move(lr_lambdas), std::move(base_lrs)) {}
};

// lr_t = f(base_lr, t), the same at every step whether reached by step() or step_to().
class FunctionLR final : public LRScheduler {
 public:
  FunctionLR(Optimizer& optimizer, std::string name, LrFunction f, std::vector<double> base_lrs = {});
  std::string name() const override { return name_; }

 private:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;
  std::string name_;
  LrFunction f_;
};

}  // namespace descent::optim
