// Schedules given as C++ callables: PyTorch's LambdaLR (lr = base_lr · λ(t)) and
// MultiplicativeLR (lr = lr · λ(t) each step), and FunctionLR, which drives the groups with a
// pure schedule lr = f(base_lr, t) (optax style; see functions.hpp for the library of them).
#pragma once
#include <functional>

#include "descent/schedule/scheduler.hpp"

namespace descent::optim {

// A factor of the step count: λ(t).
using LrLambda = std::function<double(int64_t step)>;
// A pure schedule: the lr after `step` scheduler steps, for a group whose base lr is base_lr.
using LrFunction = std::function<double(double base_lr, int64_t step)>;

class LambdaLR final : public LRScheduler {
 public:
  // One λ for every group, or one per group.
  LambdaLR(Optimizer& optimizer, std::vector<LrLambda> lr_lambdas, std::vector<double> base_lrs = {});
  std::string name() const override { return "lambda"; }

 private:
  std::vector<double> get_lr() override;
  std::vector<LrLambda> lambdas_;
};

class MultiplicativeLR final : public LRScheduler {
 public:
  MultiplicativeLR(Optimizer& optimizer, std::vector<LrLambda> lr_lambdas, std::vector<double> base_lrs = {});
  std::string name() const override { return "multiplicative"; }

 private:
  std::vector<double> get_lr() override;
  std::vector<LrLambda> lambdas_;
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
