// Adam, AdamW and Adam in the paper's efficient form. Reference: torch/optim/adam.py and
// adamw.py (_single_tensor_adam/_adamw, PyTorch 1.13); Kingma & Ba (2015) Algorithm 1 and §2.
#include "descent/optim/adam.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "descent/optim/fused.hpp"
#include "descent/optim/validate.hpp"

namespace descent::optim {

namespace {

std::vector<Hyperparameter> adam_hyperparameters(double weight_decay) {
  return {{"lr", 1e-3, "learning rate α"},
          {"beta1", 0.9, "decay of the first-moment average (betas[0])"},
          {"beta2", 0.999, "decay of the second-moment average (betas[1])"},
          {"eps", 1e-8, "added to the denominator √v̂ + ε"},
          {"weight_decay", weight_decay, "weight decay λ"},
          {"amsgrad", 0.0, "AMSGrad: divide by the running maximum of v (Reddi et al. 2018)", true},
          {"maximize", 0.0, "maximize the objective", true}};
}

void validate_adam(const std::string& name, const Options& o) {
  require_at_least(name, o, "lr", 0.0);
  require_at_least(name, o, "eps", 0.0);
  require_in(name, o, "beta1", 0.0, 1.0);
  require_in(name, o, "beta2", 0.0, 1.0);
  require_at_least(name, o, "weight_decay", 0.0);
  require_flag(name, o, "amsgrad");
  require_flag(name, o, "maximize");
}

// One Adam update of one tensor. `Decay` picks the L2 penalty (Adam) or decoupled decay
// (AdamW) at compile time, so the loop carries no flag for it.
template <class T, WeightDecay Decay>
void adam_update(const Tensor& param, const Tensor& grad, ParamState& st, const ParamGroup& group,
                 FusedStep& loops) {
  const double lr = group.lr(), beta1 = group.get("beta1"), beta2 = group.get("beta2"), eps = group.get("eps"),
               weight_decay = group.get("weight_decay");
  const bool amsgrad = group.flag("amsgrad");
  const double t = (st.scalars["step"] += 1.0);
  const double bias_correction1 = 1.0 - std::pow(beta1, t);
  const double bias_correction2_sqrt = std::sqrt(1.0 - std::pow(beta2, t));

  T* theta = param.data<T>();
  const T* grad_ = grad.data<T>();
  T* m = zeros_buffer(st, "exp_avg", param).template data<T>();
  T* v = zeros_buffer(st, "exp_avg_sq", param).template data<T>();
  T* v_max = amsgrad ? zeros_buffer(st, "max_exp_avg_sq", param).template data<T>() : v;
  const T sign = group.flag("maximize") ? T(-1) : T(1), b1 = T(beta1), b2 = T(beta2), one_minus_b1 = T(1.0 - beta1),
          one_minus_b2 = T(1.0 - beta2), epsilon = T(eps), lambda = T(weight_decay),
          shrink = T(1.0 - lr * weight_decay), step_size = T(lr / bias_correction1),
          bc2_sqrt = T(bias_correction2_sqrt);
  loops.add(param.numel(), [=](int64_t i) {
    T g = sign * grad_[i];
    if constexpr (Decay == WeightDecay::l2) g = g + lambda * theta[i];      // L2 penalty in the gradient
    if constexpr (Decay == WeightDecay::decoupled) theta[i] = theta[i] * shrink;  // θ ← θ(1 − lr·λ)
    m[i] = m[i] * b1 + one_minus_b1 * g;                 // m ← β₁m + (1−β₁)g
    v[i] = v[i] * b2 + one_minus_b2 * g * g;             // v ← β₂v + (1−β₂)g²
    v_max[i] = std::max(v_max[i], v[i]);                 // AMSGrad (v_max is v itself without it)
    T denom = std::sqrt(v_max[i]) / bc2_sqrt + epsilon;  // √v̂ + ε, v̂ = v/(1−β₂ᵗ)
    theta[i] = theta[i] + (-step_size) * (m[i] / denom); // θ ← θ − α/(1−β₁ᵗ) · m/(√v̂ + ε)
  });
}

}  // namespace

std::vector<Hyperparameter> Adam::hyperparameters() { return adam_hyperparameters(0.0); }
std::vector<Hyperparameter> AdamW::hyperparameters() { return adam_hyperparameters(1e-2); }

Adam::Adam(std::vector<ParamGroup> groups, const Options& options)
    : Adam("adam", WeightDecay::l2, std::move(groups), options, hyperparameters()) {}

AdamW::AdamW(std::vector<ParamGroup> groups, const Options& options)
    : Adam("adamw", WeightDecay::decoupled, std::move(groups), options, hyperparameters()) {}

Adam::Adam(std::string name, WeightDecay decay, std::vector<ParamGroup> groups, const Options& options,
           std::vector<Hyperparameter> hyperparameters)
    : Optimizer(with_defaults(name, hyperparameters, options)), name_(std::move(name)), decay_(decay) {
  validate(defaults_);
  add_groups(std::move(groups));
}

void Adam::validate(const Options& o) const { validate_adam(name_, o); }

double Adam::step(const std::function<double()>& closure) {
  double loss = evaluate(closure);
  FusedStep loops;
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& st) {
    dispatch(param.dtype(), [&]<class T>() {
      if (decay_ == WeightDecay::l2)
        adam_update<T, WeightDecay::l2>(param, grad, st, group, loops);
      else
        adam_update<T, WeightDecay::decoupled>(param, grad, st, group, loops);
    });
  });
  loops.run();
  return loss;
}

std::vector<Hyperparameter> AdamEfficient::hyperparameters() {
  return {{"lr", 1e-3, "learning rate α"},
          {"beta1", 0.9, "decay of the first-moment average"},
          {"beta2", 0.999, "decay of the second-moment average"},
          {"eps", 1e-8, "ε̂, added to √v (the uncorrected second moment)"},
          {"maximize", 0.0, "maximize the objective", true}};
}

AdamEfficient::AdamEfficient(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer(with_defaults("adam_efficient", hyperparameters(), options)) {
  validate(defaults_);
  add_groups(std::move(groups));
}

void AdamEfficient::validate(const Options& o) const {
  require_at_least(name(), o, "lr", 0.0);
  require_at_least(name(), o, "eps", 0.0);
  require_in(name(), o, "beta1", 0.0, 1.0);
  require_in(name(), o, "beta2", 0.0, 1.0);
  require_flag(name(), o, "maximize");
}

double AdamEfficient::step(const std::function<double()>& closure) {
  double loss = evaluate(closure);
  FusedStep loops;
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& st) {
    const double beta1 = group.get("beta1"), beta2 = group.get("beta2");
    const double t = (st.scalars["step"] += 1.0);
    // α_t = α·√(1−β₂ᵗ)/(1−β₁ᵗ): both bias corrections folded into one scalar per step.
    const double alpha_t = group.lr() * std::sqrt(1.0 - std::pow(beta2, t)) / (1.0 - std::pow(beta1, t));
    dispatch(param.dtype(), [&]<class T>() {
      T* theta = param.data<T>();
      const T* grad_ = grad.data<T>();
      T* m = zeros_buffer(st, "exp_avg", param).template data<T>();
      T* v = zeros_buffer(st, "exp_avg_sq", param).template data<T>();
      const T sign = group.flag("maximize") ? T(-1) : T(1), b1 = T(beta1), b2 = T(beta2),
              one_minus_b1 = T(1.0 - beta1), one_minus_b2 = T(1.0 - beta2), eps_hat = T(group.get("eps")),
              a_t = T(alpha_t);
      loops.add(param.numel(), [=](int64_t i) {
        T g = sign * grad_[i];
        m[i] = m[i] * b1 + one_minus_b1 * g;                             // m ← β₁m + (1−β₁)g
        v[i] = v[i] * b2 + one_minus_b2 * g * g;                         // v ← β₂v + (1−β₂)g²
        theta[i] = theta[i] - a_t * m[i] / (std::sqrt(v[i]) + eps_hat);  // θ ← θ − α_t·m/(√v + ε̂)
      });
    });
  });
  loops.run();
  return loss;
}

}  // namespace descent::optim
