// Rprop (torch/optim/rprop.py, _single_tensor_rprop, PyTorch 1.13) and local adaptive gains
// (Jacobs 1988; Hinton, Neural Networks for Machine Learning, lecture 6.5; seed 003).
#include "descent/optim/sign_adaptive.hpp"

#include <algorithm>

#include "descent/optim/fused.hpp"
#include "descent/optim/validate.hpp"

namespace descent::optim {

namespace {

template <class T>
T sign_of(T x) {
  return T((x > T(0)) - (x < T(0)));
}

}  // namespace

// ---- Rprop ----

std::vector<Hyperparameter> Rprop::hyperparameters() {
  return {{"lr", 1e-2, "initial step size of every weight"},
          {"etaminus", 0.5, "step size factor after a sign change (etas[0])"},
          {"etaplus", 1.2, "step size factor while the sign holds (etas[1])"},
          {"step_size_min", 1e-6, "smallest step size (step_sizes[0])"},
          {"step_size_max", 50.0, "largest step size (step_sizes[1])"},
          {"maximize", 0.0, "maximize the objective", true}};
}

Rprop::Rprop(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer(with_defaults("rprop", hyperparameters(), options)) {
  validate(defaults_);
  add_groups(std::move(groups));
}

void Rprop::validate(const Options& o) const {
  require_at_least(name(), o, "lr", 0.0);
  require(o.at("etaminus") > 0.0 && o.at("etaminus") < 1.0 && o.at("etaplus") > 1.0, name(),
          "invalid etas = (" + std::to_string(o.at("etaminus")) + ", " + std::to_string(o.at("etaplus")) +
              ") (valid range: 0 < etaminus < 1 < etaplus)");
  require_at_least(name(), o, "step_size_min", 0.0);
  require(o.at("step_size_min") <= o.at("step_size_max"), name(),
          "invalid step_sizes: step_size_min = " + std::to_string(o.at("step_size_min")) +
              " exceeds step_size_max = " + std::to_string(o.at("step_size_max")));
  require_flag(name(), o, "maximize");
}

double Rprop::step(const std::function<double()>& closure) {
  double loss = evaluate(closure);
  FusedStep loops;
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& st) {
    st.scalars["step"] += 1.0;
    dispatch(param.dtype(), [&]<class T>() {
      T* theta = param.data<T>();
      const T* grad_ = grad.data<T>();
      T* prev = zeros_buffer(st, "prev", param).template data<T>();
      T* step_size = full_buffer(st, "step_size", param, group.lr()).template data<T>();
      const T sign = group.flag("maximize") ? T(-1) : T(1), eta_minus = T(group.get("etaminus")),
              eta_plus = T(group.get("etaplus")), lo = T(group.get("step_size_min")),
              hi = T(group.get("step_size_max"));
      loops.add(param.numel(), [=](int64_t i) {
        T g = sign * grad_[i];
        T agreement = sign_of(g * prev[i]);
        T factor = agreement > T(0) ? eta_plus : agreement < T(0) ? eta_minus : T(1);
        step_size[i] = std::clamp(step_size[i] * factor, lo, hi);  // grow while consistent, shrink on a flip
        if (agreement < T(0)) g = T(0);                            // after a flip: no step, forget the sign
        theta[i] = theta[i] + T(-1) * (sign_of(g) * step_size[i]); // θ ← θ − sign(g)·Δ
        prev[i] = g;
      });
    });
  });
  loops.run();
  return loss;
}

// ---- AdaptiveGains ----

std::vector<Hyperparameter> AdaptiveGains::hyperparameters() {
  return {{"lr", 1e-2, "global learning rate η"},
          {"beta", 0.05, "gain increment while the sign holds; factor 1−β on a flip"},
          {"gain_min", 0.01, "smallest gain"},
          {"gain_max", 100.0, "largest gain"},
          {"weight_decay", 0.0, "L2 penalty λ added to the gradient"},
          {"maximize", 0.0, "maximize the objective", true}};
}

AdaptiveGains::AdaptiveGains(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer(with_defaults("adaptive_gains", hyperparameters(), options)) {
  validate(defaults_);
  add_groups(std::move(groups));
}

void AdaptiveGains::validate(const Options& o) const {
  require_at_least(name(), o, "lr", 0.0);
  require_in(name(), o, "beta", 0.0, 1.0);
  require_in_closed(name(), o, "gain_min", 0.0, 1.0, true);
  require_at_least(name(), o, "gain_max", 1.0);
  require_at_least(name(), o, "weight_decay", 0.0);
  require_flag(name(), o, "maximize");
}

double AdaptiveGains::step(const std::function<double()>& closure) {
  double loss = evaluate(closure);
  FusedStep loops;
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& st) {
    st.scalars["step"] += 1.0;
    dispatch(param.dtype(), [&]<class T>() {
      T* theta = param.data<T>();
      const T* grad_ = grad.data<T>();
      T* prev = zeros_buffer(st, "prev", param).template data<T>();
      T* gain = full_buffer(st, "gain", param, 1.0).template data<T>();
      const T sign = group.flag("maximize") ? T(-1) : T(1), lambda = T(group.get("weight_decay")),
              beta = T(group.get("beta")), shrink = T(1.0 - group.get("beta")), lo = T(group.get("gain_min")),
              hi = T(group.get("gain_max")), eta = T(group.lr());
      loops.add(param.numel(), [=](int64_t i) {
        T g = sign * grad_[i] + lambda * theta[i];
        T agreement = g * prev[i];
        if (agreement > T(0)) gain[i] = gain[i] + beta;    // consistent: g ← g + β
        if (agreement < T(0)) gain[i] = gain[i] * shrink;  // flipped:    g ← g·(1−β)
        gain[i] = std::clamp(gain[i], lo, hi);
        theta[i] = theta[i] - eta * gain[i] * g;           // Δθ = −η·gain·∂L/∂θ
        prev[i] = g;
      });
    });
  });
  loops.run();
  return loss;
}

}  // namespace descent::optim
