// Schedule-Free AdamW: Defazio, Yang, Mehta, Mishchenko, Khaled & Cutkosky (2024), "The Road
// Less Scheduled". No learning-rate schedule: the iterate z takes AdamW-normalized steps,
// x is a running (lr²-weighted) average of z, and gradients are taken at the interpolation
// y = (1−β₁)z + β₁x. As the reference implementation (facebookresearch/schedule_free,
// AdamWScheduleFree), the parameters hold y while training; eval() moves them to x (the
// point to evaluate and save) and train() back to y.
#pragma once
#include "descent/optim/hyperparameters.hpp"
#include "descent/optim/optimizer.hpp"

namespace descent::optim {

class ScheduleFreeAdamW : public Optimizer {
 public:
  ScheduleFreeAdamW(std::vector<ParamGroup> groups, const Options& options = {});
  static std::vector<Hyperparameter> hyperparameters();
  std::string name() const override { return "schedule_free_adamw"; }
  double step(const std::function<double()>& closure = {}) override;
  void train() override;  // parameters ← y
  void eval() override;   // parameters ← x

 protected:
  void validate(const Options& options) const override;

 private:
  void move_to(bool training);
};

}  // namespace descent::optim
