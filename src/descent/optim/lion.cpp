// Lion, following the paper's Program 1 (Chen et al. 2023) line by line.
#include "descent/optim/lion.hpp"

#include "descent/optim/fused.hpp"
#include "descent/optim/validate.hpp"

namespace descent::optim {

std::vector<Hyperparameter> Lion::hyperparameters() {
  return {{"lr", 1e-4, "learning rate (3-10x smaller than AdamW's)"},
          {"beta1", 0.9, "interpolation between momentum and gradient for the sign"},
          {"beta2", 0.99, "decay of the momentum"},
          {"weight_decay", 0.0, "decoupled weight decay λ: θ ← θ(1 − lr·λ)"},
          {"maximize", 0.0, "maximize the objective", true}};
}

Lion::Lion(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer(with_defaults("lion", hyperparameters(), options)) {
  validate(defaults_);
  add_groups(std::move(groups));
}

void Lion::validate(const Options& o) const {
  require_at_least(name(), o, "lr", 0.0);
  require_in(name(), o, "beta1", 0.0, 1.0);
  require_in(name(), o, "beta2", 0.0, 1.0);
  require_at_least(name(), o, "weight_decay", 0.0);
  require_flag(name(), o, "maximize");
}

double Lion::step(const std::function<double()>& closure) {
  double loss = evaluate(closure);
  FusedStep loops;
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& st) {
    st.scalars["step"] += 1.0;
    dispatch(param.dtype(), [&]<class T>() {
      T* theta = param.data<T>();
      const T* grad_ = grad.data<T>();
      T* m = zeros_buffer(st, "exp_avg", param).template data<T>();
      const T sign = group.flag("maximize") ? T(-1) : T(1), b1 = T(group.get("beta1")),
              one_minus_b1 = T(1.0 - group.get("beta1")), b2 = T(group.get("beta2")),
              one_minus_b2 = T(1.0 - group.get("beta2")), lr = T(group.lr()),
              shrink = T(1.0 - group.lr() * group.get("weight_decay"));
      loops.add(param.numel(), [=](int64_t i) {
        T g = sign * grad_[i];
        T c = b1 * m[i] + one_minus_b1 * g;                     // c ← β₁m + (1−β₁)g
        T direction = T((c > T(0)) - (c < T(0)));               // sign(c)
        theta[i] = theta[i] * shrink - lr * direction;          // θ ← θ(1 − lr·λ) − lr·sign(c)
        m[i] = b2 * m[i] + one_minus_b2 * g;                    // m ← β₂m + (1−β₂)g
      });
    });
  });
  loops.run();
  return loss;
}

}  // namespace descent::optim
