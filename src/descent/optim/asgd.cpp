// ASGD. Reference: torch/optim/asgd.py (_single_tensor_asgd, PyTorch 1.13). PyTorch keeps
// η and μ in 0-dim tensors of the default dtype; we keep them in double, which equals
// PyTorch run with torch.set_default_dtype(torch.float64).
#include "descent/optim/asgd.hpp"

#include <algorithm>
#include <cmath>

#include "descent/optim/fused.hpp"
#include "descent/optim/validate.hpp"

namespace descent::optim {

std::vector<Hyperparameter> ASGD::hyperparameters() {
  return {{"lr", 1e-2, "learning rate"},
          {"lambd", 1e-4, "decay term λ"},
          {"alpha", 0.75, "power for the η update"},
          {"t0", 1e6, "step at which averaging starts"},
          {"weight_decay", 0.0, "L2 penalty added to the gradient"},
          {"maximize", 0.0, "maximize the objective", true}};
}

ASGD::ASGD(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer(with_defaults("asgd", hyperparameters(), options)) {
  validate(defaults_);
  add_groups(std::move(groups));
}

void ASGD::validate(const Options& o) const {
  require_at_least(name(), o, "lr", 0.0);
  require_at_least(name(), o, "weight_decay", 0.0);
  require_flag(name(), o, "maximize");
}

double ASGD::step(const std::function<double()>& closure) {
  double loss = evaluate(closure);
  FusedStep loops;
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& st) {
    const double lr = group.lr(), lambd = group.get("lambd");
    const double t = (st.scalars["step"] += 1.0);
    const double eta = st.scalars.try_emplace("eta", lr).first->second;
    const double mu = st.scalars.try_emplace("mu", 1.0).first->second;
    dispatch(param.dtype(), [&]<class T>() {
      T* theta = param.data<T>();
      const T* grad_ = grad.data<T>();
      T* ax = zeros_buffer(st, "ax", param).template data<T>();
      const T sign = group.flag("maximize") ? T(-1) : T(1), lambda = T(group.get("weight_decay")),
              decay = T(1.0 - lambd * eta), step_size = T(eta), m = T(mu);
      const bool averaging = mu != 1.0;
      loops.add(param.numel(), [=](int64_t i) {
        T g = sign * grad_[i] + lambda * theta[i];
        theta[i] = theta[i] * decay;                    // θ ← θ(1 − λη)
        theta[i] = theta[i] + (-step_size) * g;         // θ ← θ − ηg
        ax[i] = averaging ? ax[i] + (theta[i] - ax[i]) * m : theta[i];  // ā ← ā + μ(θ − ā)
      });
    });
    st.scalars["eta"] = lr / std::pow(1.0 + lambd * lr * t, group.get("alpha"));  // η_t = lr/(1+λ·lr·t)^α
    st.scalars["mu"] = 1.0 / std::max(1.0, t - group.get("t0"));                   // μ_t = 1/max(1, t − t₀)
  });
  loops.run();
  return loss;
}

}  // namespace descent::optim
