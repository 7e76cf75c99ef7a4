// PyTorch's multiplicative decays: StepLR, MultiStepLR, ExponentialLR, ConstantLR, LinearLR,
// PolynomialLR. Each is written in PyTorch 1.13's recursive form (step) beside its closed form
// (step_to), exactly as lr_scheduler.py computes them.
#pragma once
#include <vector>

#include "descent/schedule/scheduler.hpp"

namespace descent {

// lr = base_lr · gamma^⌊t / step_size⌋.
struct StepLROptions {
  int64_t step_size = 0;
  double gamma = 0.1;
};

class StepLR final : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, StepLROptions options);
  std::string name() const override { return "step"; }

 private:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;
  StepLROptions options_;
};

// lr = base_lr · gamma^(number of milestones ≤ t). Milestones must be non-negative and sorted;
// a repeated milestone decays twice, as PyTorch's Counter does.
struct MultiStepLROptions {
  std::vector<int64_t> milestones;
  double gamma = 0.1;
};

class MultiStepLR final : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, MultiStepLROptions options);
  std::string name() const override { return "multistep"; }

 private:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;
  MultiStepLROptions options_;
};

// lr = base_lr · gamma^t.
struct ExponentialLROptions {
  double gamma = 0.0;
};

class ExponentialLR final : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, ExponentialLROptions options);
  std::string name() const override { return "exponential"; }

 private:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;
  ExponentialLROptions options_;
};

// lr = base_lr · factor for t < total_iters, base_lr after: a constant warmup.
struct ConstantLROptions {
  double factor = 1.0 / 3;
  int64_t total_iters = 5;
};

class ConstantLR final : public LRScheduler {
 public:
  ConstantLR(Optimizer& optimizer, ConstantLROptions options);
  std::string name() const override { return "constant"; }

 private:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;
  ConstantLROptions options_;
};

// lr = base_lr · (start + (end − start) · min(t, total_iters) / total_iters): linear warmup
// (start < end) or linear decay.
struct LinearLROptions {
  double start_factor = 1.0 / 3;
  double end_factor = 1.0;
  int64_t total_iters = 5;
};

class LinearLR final : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, LinearLROptions options);
  std::string name() const override { return "linear"; }

 private:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;
  LinearLROptions options_;
};

// lr = base_lr · (1 − min(t, total_iters) / total_iters)^power.
struct PolynomialLROptions {
  int64_t total_iters = 5;
  double power = 1.0;
};

class PolynomialLR final : public LRScheduler {
 public:
  PolynomialLR(Optimizer& optimizer, PolynomialLROptions options);
  std::string name() const override { return "polynomial"; }

 private:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;
  PolynomialLROptions options_;
};

}  // namespace descent
