// SGD (PyTorch's form) and Momentum (the original form). References: torch/optim/sgd.py
// (_single_tensor_sgd, PyTorch 1.13); Sutskever, Martens, Dahl & Hinton (2013), "On the
// importance of initialization and momentum in deep learning"; seed 003 slides on momentum.
#include "descent/optim/sgd.hpp"

#include <limits>

#include "descent/optim/fused.hpp"
#include "descent/optim/validate.hpp"

namespace descent::optim {

std::vector<Hyperparameter> SGD::hyperparameters() {
  return {{"lr", 1e-2, "learning rate (required in PyTorch; Keras' default)"},
          {"momentum", 0.0, "momentum factor μ"},
          {"dampening", 0.0, "dampening τ of the momentum"},
          {"weight_decay", 0.0, "L2 penalty λ added to the gradient"},
          {"nesterov", 0.0, "Nesterov momentum", true},
          {"maximize", 0.0, "maximize the objective", true}};
}

SGD::SGD(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer(with_defaults("sgd", hyperparameters(), options)) {
  validate(defaults_);
  add_groups(std::move(groups));
}

void SGD::validate(const Options& o) const {
  require_at_least(name(), o, "lr", 0.0);
  require_at_least(name(), o, "momentum", 0.0);
  require_at_least(name(), o, "dampening", 0.0);
  require_at_least(name(), o, "weight_decay", 0.0);
  require_flag(name(), o, "nesterov");
  require_flag(name(), o, "maximize");
  if (o.at("nesterov") != 0.0)
    require(o.at("momentum") > 0.0 && o.at("dampening") == 0.0, name(),
            "nesterov = true requires momentum > 0 and dampening = 0 (got momentum = " +
                std::to_string(o.at("momentum")) + ", dampening = " + std::to_string(o.at("dampening")) + ")");
}

double SGD::step(const std::function<double()>& closure) {
  double loss = evaluate(closure);
  FusedStep loops;
  for (ParamGroup& group : groups_) {
    // A group's hyperparameters, looked up by name once for all its parameters.
    const double lr = group.lr(), mu = group.get("momentum"), tau = group.get("dampening"),
                 weight_decay = group.get("weight_decay");
    const bool nesterov = group.flag("nesterov"), maximize = group.flag("maximize");
    for (Tensor& param : group.params) {
      const Tensor grad = gradient(param);
      if (!grad.defined()) continue;
      ParamState& st = state(param);
      dispatch(param.dtype(), [&]<class T>() {
        T* theta = param.data<T>();
        const T* grad_ = grad.data<T>();
        const T sign = maximize ? T(-1) : T(1), lambda = T(weight_decay), eta = T(lr);
        if (mu == 0.0 && weight_decay == 0.0 && !maximize) {  // plain SGD, as torch: θ ← θ − lr·g
          loops.add(param.numel(), [=](int64_t i) { theta[i] = theta[i] - eta * grad_[i]; });
          return;
        }
        if (mu == 0.0) {
          loops.add(param.numel(), [=](int64_t i) {
            T g = sign * grad_[i] + lambda * theta[i];  // L2 penalty folded into the gradient
            theta[i] = theta[i] - eta * g;
          });
          return;
        }
        // The first step starts the buffer at the gradient itself (no dampening), as PyTorch.
        const bool first = !st.buffers.count("momentum_buffer");
        T* b = zeros_buffer(st, "momentum_buffer", param).template data<T>();
        const T m = T(mu), keep = first ? T(0) : m, take = first ? T(1) : T(1.0 - tau);
        loops.add(param.numel(), [=](int64_t i) {
          T g = sign * grad_[i] + lambda * theta[i];
          b[i] = b[i] * keep + take * g;         // b ← μ·b + (1−τ)·g
          T d = nesterov ? g + m * b[i] : b[i];  // Nesterov looks one step ahead
          theta[i] = theta[i] - eta * d;         // θ ← θ − lr·d
        });
      });
    }
  }
  loops.run();
  return loss;
}

std::vector<Hyperparameter> Momentum::hyperparameters() {
  return {{"lr", 1e-3, "learning rate α (inside the velocity)"},
          {"momentum", 0.9, "momentum factor β"},
          {"weight_decay", 0.0, "L2 penalty λ added to the gradient"},
          {"maximize", 0.0, "maximize the objective", true}};
}

Momentum::Momentum(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer(with_defaults("momentum", hyperparameters(), options)) {
  validate(defaults_);
  add_groups(std::move(groups));
}

void Momentum::validate(const Options& o) const {
  require_at_least(name(), o, "lr", 0.0);
  require_in(name(), o, "momentum", 0.0, 1.0);
  require_at_least(name(), o, "weight_decay", 0.0);
  require_flag(name(), o, "maximize");
}

double Momentum::step(const std::function<double()>& closure) {
  double loss = evaluate(closure);
  FusedStep loops;
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& st) {
    dispatch(param.dtype(), [&]<class T>() {
      T* theta = param.data<T>();
      const T* grad_ = grad.data<T>();
      T* v = zeros_buffer(st, "velocity", param).template data<T>();
      const T sign = group.flag("maximize") ? T(-1) : T(1), lambda = T(group.get("weight_decay")),
              alpha = T(group.lr()), beta = T(group.get("momentum"));
      loops.add(param.numel(), [=](int64_t i) {
        T g = sign * grad_[i] + lambda * theta[i];
        v[i] = beta * v[i] - alpha * g;  // v ← βv − αg
        theta[i] = theta[i] + v[i];      // θ ← θ + v
      });
    });
  });
  loops.run();
  return loss;
}

}  // namespace descent::optim
