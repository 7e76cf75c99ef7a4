// Schedule-Free AdamW, following Defazio et al. (2024) Algorithm 1 and the reference
// AdamWScheduleFree.step (warmup, √(1−β₂ᵗ) folded into the lr, weights c = lr_max^p·t^r).
#include "descent/optim/schedule_free.hpp"

#include <algorithm>
#include <cmath>

#include "descent/optim/fused.hpp"
#include "descent/optim/validate.hpp"

namespace descent::optim {

namespace {
constexpr const char* kTrainMode = "train_mode";
}

std::vector<Hyperparameter> ScheduleFreeAdamW::hyperparameters() {
  return {{"lr", 2.5e-3, "learning rate γ"},
          {"beta1", 0.9, "interpolation y = (1−β₁)z + β₁x"},
          {"beta2", 0.999, "decay of the second-moment average"},
          {"eps", 1e-8, "added to √v"},
          {"weight_decay", 0.0, "weight decay λ, applied at y"},
          {"warmup_steps", 0.0, "linear warmup of the lr over this many steps"},
          {"r", 0.0, "averaging weight power of t"},
          {"weight_lr_power", 2.0, "averaging weight power of the largest lr so far"}};
}

ScheduleFreeAdamW::ScheduleFreeAdamW(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer(with_defaults("schedule_free_adamw", hyperparameters(), options)) {
  validate(defaults_);
  add_groups(std::move(groups));
  globals_[kTrainMode] = 1.0;
}

void ScheduleFreeAdamW::validate(const Options& o) const {
  require_at_least(name(), o, "lr", 0.0);
  require_at_least(name(), o, "eps", 0.0);
  require_in(name(), o, "beta1", 0.0, 1.0);
  require_in(name(), o, "beta2", 0.0, 1.0);
  require_at_least(name(), o, "weight_decay", 0.0);
  require_at_least(name(), o, "warmup_steps", 0.0);
  require_at_least(name(), o, "r", 0.0);
  require_at_least(name(), o, "weight_lr_power", 0.0);
}

double ScheduleFreeAdamW::step(const std::function<double()>& closure) {
  if (globals_[kTrainMode] != 1.0)
    throw Error("schedule_free_adamw: step() in eval mode; call train() first (the parameters hold x, not y)");
  double loss = evaluate(closure);
  FusedStep loops;
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& st) {
    const double k = st.scalars["k"], beta1 = group.get("beta1"), beta2 = group.get("beta2"),
                 warmup = group.get("warmup_steps");
    const double sched = k < warmup ? (k + 1.0) / warmup : 1.0;
    const double lr = group.lr() * sched * std::sqrt(1.0 - std::pow(beta2, k + 1.0));
    double& lr_max = st.scalars["lr_max"];
    lr_max = std::max(lr, lr_max);
    const double weight = std::pow(k + 1.0, group.get("r")) * std::pow(lr_max, group.get("weight_lr_power"));
    double& weight_sum = st.scalars["weight_sum"];
    weight_sum += weight;
    const double c = weight_sum > 0.0 ? weight / weight_sum : 0.0;  // c_{t+1}: x's averaging weight
    st.scalars["k"] = k + 1.0;
    dispatch(param.dtype(), [&]<class T>() {
      T* y = param.data<T>();
      const T* grad_ = grad.data<T>();
      if (!st.buffers.count("z")) st.buffers["z"] = param.detach().clone();  // z₁ = x₁ = y₁
      T* z = st.buffers.at("z").template data<T>();
      T* v = zeros_buffer(st, "exp_avg_sq", param).template data<T>();
      const T b2 = T(beta2), one_minus_b2 = T(1.0 - beta2), eps = T(group.get("eps")),
              lambda = T(group.get("weight_decay")), gamma = T(lr), ckp1 = T(c),
              y_step = T(lr * (beta1 * (1.0 - c) - 1.0));
      loops.add(param.numel(), [=](int64_t i) {
        T g = grad_[i];
        v[i] = v[i] * b2 + one_minus_b2 * g * g;        // v ← β₂v + (1−β₂)g²
        T u = g / (std::sqrt(v[i]) + eps) + lambda * y[i];  // AdamW-normalized step, decay at y
        y[i] = y[i] + ckp1 * (z[i] - y[i]);              // y ← (1−c)y + cz
        y[i] = y[i] + y_step * u;                        // the x-average and interpolation in one update
        z[i] = z[i] - gamma * u;                         // z ← z − γu
      });
    });
  });
  loops.run();
  return loss;
}

void ScheduleFreeAdamW::move_to(bool training) {
  if ((globals_[kTrainMode] == 1.0) == training) return;
  for (ParamGroup& group : groups_) {
    const double beta1 = group.get("beta1");
    // y = (1−β₁)z + β₁x, so x = y + (1 − 1/β₁)(z − y) and y = x + (1−β₁)(z − x).
    const double weight = training ? 1.0 - beta1 : 1.0 - 1.0 / beta1;
    for (Tensor& param : group.params) {
      if (!has_state(param) || !state(param).buffers.count("z")) continue;
      Tensor& z_buf = state(param).buffers.at("z");
      dispatch(param.dtype(), [&]<class T>() {
        T* p = param.data<T>();
        const T* z = z_buf.data<T>();
        const T w = T(weight);
        for_each_element(param.numel(), [=](int64_t i) { p[i] = p[i] + w * (z[i] - p[i]); });
      });
    }
  }
  globals_[kTrainMode] = training ? 1.0 : 0.0;
}

void ScheduleFreeAdamW::train() { move_to(true); }
void ScheduleFreeAdamW::eval() { move_to(false); }

}  // namespace descent::optim
