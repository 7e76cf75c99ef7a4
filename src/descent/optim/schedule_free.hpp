// Schedule-Free AdamW: Defazio, Yang, Mehta, Mishchenko, Khaled & Cutkosky (2024), "The Road
// Less Scheduled". No learning-rate schedule: the iterate z takes AdamW-normalized steps,
// x is a running (lr²-weighted) average of z, and gradients are taken at the interpolation
// y = (1−β₁)z + β₁x. As the reference implementation (facebookresearch/schedule_free,
// AdamWScheduleFree), the parameters hold y while training; eval() moves them to x (the
// point to evaluate and save) and train() back to y.
#pragma once
#include <utility>

#include "descent/optim/elementwise.hpp"

namespace descent::optim {

struct ScheduleFreeAdamWOptions {
  double lr = 2.5e-3;                              // learning rate γ
  std::pair<double, double> betas = {0.9, 0.999};  // beta1, beta2 in the groups; betas=a/b in specs
  double eps = 1e-8;                               // added to √v
  double weight_decay = 0.0;                       // applied at y
  int64_t warmup_steps = 0;                        // linear warmup of the lr over this many steps
  double r = 0.0;                                  // averaging weight power of t
  double weight_lr_power = 2.0;                    // averaging weight power of the largest lr so far
};

// Not elementwise: it keeps two points and moves the parameters between them.
class ScheduleFreeAdamW : public Tabled<ScheduleFreeAdamWOptions> {
 public:
  ScheduleFreeAdamW(std::vector<Tensor> params, const ScheduleFreeAdamWOptions& options = {});
  ScheduleFreeAdamW(std::vector<ParamGroup> groups, const ScheduleFreeAdamWOptions& options = {});
  double step(const std::function<double()>& closure = {}) override;
  void train() override;  // parameters ← y
  void eval() override;   // parameters ← x

 private:
  void move_to(bool training);
};

}  // namespace descent::optim
