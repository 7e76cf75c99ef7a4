// Schedule-Free AdamW, following Defazio et al. (2024) Algorithm 1 and the reference
// AdamWScheduleFree.step (warmup, √(1−β₂ᵗ) folded into the lr, weights c = lr_max^p·t^r).
#include "descent/optim/schedule_free.hpp"

#include <algorithm>
#include <cmath>

#include "descent/optim/rule.hpp"

namespace descent::optim {

namespace {
constexpr const char* kTrainMode = "train_mode";
}

template <>
Table<ScheduleFreeAdamWOptions> table_of<ScheduleFreeAdamWOptions>() {  // AdamWScheduleFree's arguments
  using O = ScheduleFreeAdamWOptions;
  return {"schedule_free_adamw",
          WeightDecay::none,
          {lr_row<O>("learning rate γ"), beta_row<O>(0, "interpolation y = (1−β₁)z + β₁x"),
           beta_row<O>(1, "decay of the second-moment average"), eps_row<O>("added to √v"),
           weight_decay_row<O>("weight decay λ, applied at y"),
           integer("warmup_steps", &O::warmup_steps, at_least(0), "linear warmup of the lr over this many steps"),
           number("r", &O::r, at_least(0), "averaging weight power of t"),
           number("weight_lr_power", &O::weight_lr_power, at_least(0),
                  "averaging weight power of the largest lr so far")}};
}

ScheduleFreeAdamW::ScheduleFreeAdamW(std::vector<Tensor> params, const ScheduleFreeAdamWOptions& options)
    : ScheduleFreeAdamW(one_group(std::move(params)), options) {}

ScheduleFreeAdamW::ScheduleFreeAdamW(std::vector<ParamGroup> groups, const ScheduleFreeAdamWOptions& options)
    : Tabled(std::move(groups), options) {
  globals_[kTrainMode] = 1.0;
}

double ScheduleFreeAdamW::step(const std::function<double()>& closure) {
  if (globals_[kTrainMode] != 1.0)
    throw Error("schedule_free_adamw: step() in eval mode; call train() first (the parameters hold x, not y)");
  double loss = evaluate(closure);
  FusedStep loops;
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& st) {
    const ScheduleFreeAdamWOptions options = settings(group);
    // Named, not a structured binding: the kernels below capture them, which clang 14 refuses.
    const double beta1 = options.betas.first, beta2 = options.betas.second;
    const double k = st.scalars["k"], warmup = static_cast<double>(options.warmup_steps);
    const double sched = k < warmup ? (k + 1.0) / warmup : 1.0;
    const double lr = options.lr * sched * std::sqrt(1.0 - std::pow(beta2, k + 1.0));
    double& lr_max = st.scalars["lr_max"];
    lr_max = std::max(lr, lr_max);
    const double weight = std::pow(k + 1.0, options.r) * std::pow(lr_max, options.weight_lr_power);
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
      const T b2 = T(beta2), one_minus_b2 = T(1.0 - beta2), eps = T(options.eps), lambda = T(options.weight_decay),
              gamma = T(lr), ckp1 = T(c), y_step = T(lr * (beta1 * (1.0 - c) - 1.0));
      loops.add(param.numel(), [=](int64_t i) {
        T g = grad_[i];
        v[i] = v[i] * b2 + one_minus_b2 * g * g;            // v ← β₂v + (1−β₂)g²
        T u = g / (std::sqrt(v[i]) + eps) + lambda * y[i];  // AdamW-normalized step, decay at y
        y[i] = y[i] + ckp1 * (z[i] - y[i]);                 // y ← (1−c)y + cz
        y[i] = y[i] + y_step * u;                           // the x-average and interpolation in one update
        z[i] = z[i] - gamma * u;                            // z ← z − γu
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

template class Tabled<ScheduleFreeAdamWOptions>;

}  // namespace descent::optim
