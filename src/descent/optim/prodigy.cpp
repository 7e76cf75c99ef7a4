// Prodigy, following prodigyopt.Prodigy.step (github.com/konstmish/prodigy) line by line,
// without its FSDP and slice_p options (every element counts, as slice_p = 1).
#include "descent/optim/prodigy.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <vector>

#include "descent/optim/adam.hpp"
#include "descent/optim/rule.hpp"

namespace descent::optim {

template <>
Table<ProdigyOptions> table_of<ProdigyOptions>() {  // the reference implementation's arguments
  using O = ProdigyOptions;
  std::vector<Field<O>> fields =
      adam_fields<O>("multiplies the estimated step size d", "added to √v, scaled by d: √v + d·ε");
  fields.back().row.range = above(0);  // eps > 0, as the reference requires
  for (Field<O> field :
       {number("beta3", &O::beta3, {.hi = 1, .hi_open = true}, "decay of the d estimate's sums (negative: √beta2)"),
        number("weight_decay", &O::weight_decay, at_least(0), "weight decay λ, decoupled or L2 as decouple says"),
        flag("decouple", &O::decouple, "AdamW-style weight decay θ ← θ − d·lr·λθ, else λθ added to the gradient"),
        flag("use_bias_correction", &O::use_bias_correction, "Adam's bias correction in the step size"),
        flag("safeguard_warmup", &O::safeguard_warmup, "s accumulates d·g instead of d·lr·g"),
        number("d0", &O::d0, above(0), "initial estimate of d"),
        number("d_coef", &O::d_coef, above(0), "multiplies the estimate d̂")})
    fields.push_back(std::move(field));
  return {"prodigy", WeightDecay::none, std::move(fields)};
}

namespace {

// The scalars of one step from the d it starts with.
struct Estimate {
  double d, dlr, beta1, beta2, beta3;
  bool decouple;
};

// betas, beta3 and decouple are the first group's, as the reference reads them.
Estimate estimate_of(const ProdigyOptions& first, double d, double dlr) {
  const auto [beta1, beta2] = first.betas;
  return {d, dlr, beta1, beta2, first.beta3 < 0 ? std::sqrt(beta2) : first.beta3, first.decouple};
}

// One parameter's first pass, one read of θ, g, θ₀ and s, added to `sums`: ⟨g, θ₀ − θ⟩ and
// Σ|s| after s takes g; returns the weight of its term of the numerator, (d/d₀)·dlr. The
// moments wait for the second pass, which reads them anyway: the same arithmetic, 8 bytes a
// parameter fewer.
template <class T>
double accumulate_one(const ProdigyOptions& options, const Estimate& e, Tensor& param, const Tensor& grad,
                      ParamState& state, FusedSums<2>& sums) {
  const T* theta = param.data<T>();
  const T* grad_ = grad.data<T>();
  if (!state.buffers.count("p0")) state.buffers["p0"] = param.detach().clone();  // θ₀
  const T* p0 = state.buffers.at("p0").data<T>();
  zeros_buffer(state, "exp_avg", param);
  zeros_buffer(state, "exp_avg_sq", param);
  T* s = zeros_buffer(state, "s", param).template data<T>();
  const T lambda = e.decouple ? T(0) : T(options.weight_decay);  // the L2 penalty, when coupled
  const T b3 = T(e.beta3), s_weight = T((e.d / options.d0) * (options.safeguard_warmup ? e.d : e.dlr));
  auto g = [=](int64_t i) { return grad_[i] + lambda * theta[i]; };
  sums.add(
      param.numel(), [=](int64_t i) { return double(g(i)) * double(p0[i] - theta[i]); },  // ⟨g, θ₀ − θ⟩
      [=](int64_t i) {
        s[i] = s[i] * b3 + s_weight * g(i);  // s ← β₃s + (d/d₀)·d·lr·g
        return std::abs(s[i]);               // Σ|s|
      });
  return (e.d / options.d0) * e.dlr;
}

// The moments of one parameter taking g (the L2 penalty λθ in it when weight decay is
// coupled), with the d the step started from: m ← β₁m + d(1−β₁)g, v ← β₂v + d²(1−β₂)g².
template <class T>
struct Moments {
  T *m, *v;
  const T *grad, *theta;
  T lambda, b1, b2, m_weight, v_weight;

  Moments(const ProdigyOptions& options, const Estimate& e, Tensor& param, const Tensor& grad_, ParamState& state)
      : m(state.buffers.at("exp_avg").data<T>()),
        v(state.buffers.at("exp_avg_sq").data<T>()),
        grad(grad_.data<T>()),
        theta(param.data<T>()),
        lambda(e.decouple ? T(0) : T(options.weight_decay)),
        b1(T(e.beta1)),
        b2(T(e.beta2)),
        m_weight(T(e.d * (1.0 - e.beta1))),
        v_weight(T(e.d * e.d * (1.0 - e.beta2))) {}

  // Element i's new m and v, stored.
  std::pair<T, T> operator()(int64_t i) const {
    const T gi = grad[i] + lambda * theta[i];
    const T mi = m[i] * b1 + m_weight * gi, vi = v[i] * b2 + v_weight * gi * gi;
    m[i] = mi;
    v[i] = vi;
    return {mi, vi};
  }
};

// One parameter's second pass: the moments take g (not in a frozen group, whose moments
// stay), then, with the new estimate d, θ ← θ − dlr·λθ (decoupled), θ ← θ − dlr·m/(√v + d·ε).
// Without a new d (no step: Σ|s| = 0), only the moments.
template <class T>
void update_one(const ProdigyOptions& options, const Estimate& e, std::optional<double> d, bool frozen, Tensor& param,
                const Tensor& grad, ParamState& state, FusedStep& loops) {
  T* theta = param.data<T>();
  const T d_eps = T(d.value_or(0.0) * options.eps), step_size = T(-e.dlr),
          decay = T(e.decouple ? -options.weight_decay * e.dlr : 0.0);
  auto step = [=](int64_t i, T mi, T vi) {
    theta[i] = theta[i] + decay * theta[i];
    theta[i] = theta[i] + step_size * (mi / (std::sqrt(vi) + d_eps));
  };
  if (frozen) {
    if (!d) return;
    const T* m = state.buffers.at("exp_avg").data<T>();
    const T* v = state.buffers.at("exp_avg_sq").data<T>();
    return loops.add(param.numel(), [=](int64_t i) { step(i, m[i], v[i]); });
  }
  const Moments<T> moments(options, e, param, grad, state);
  if (!d) return loops.add(param.numel(), [=](int64_t i) { moments(i); });
  loops.add(param.numel(), [=](int64_t i) {
    const auto [mi, vi] = moments(i);
    step(i, mi, vi);
  });
}

}  // namespace

std::pair<double, double> Prodigy::accumulate(const ProdigyOptions& first, double d, double dlr) {
  const Estimate estimate = estimate_of(first, d, dlr);
  FusedSums<2> sums;  // the sums of all parameters in one parallel region
  std::vector<double> weights;
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) {
    const ProdigyOptions options = settings(group);
    if (options.lr <= 0.0) {  // a frozen group: its state exists, its moments stay
      zeros_buffer(state, "exp_avg", param);
      zeros_buffer(state, "exp_avg_sq", param);
      return;
    }
    dispatch(param.dtype(),
             [&]<class T>() { weights.push_back(accumulate_one<T>(options, estimate, param, grad, state, sums)); });
  });
  const std::vector<std::array<double, 2>> dot_and_s_abs = sums.run();
  double numerator = 0.0, denominator = 0.0;
  for (std::size_t k = 0; k < weights.size(); ++k) {
    numerator += weights[k] * dot_and_s_abs[k][0];
    denominator += dot_and_s_abs[k][1];
  }
  return {numerator, denominator};
}

void Prodigy::update(const ProdigyOptions& first, double d, double dlr, std::optional<double> d_new) {
  const Estimate estimate = estimate_of(first, d, dlr);
  FusedStep loops;  // the updates of all parameters in one parallel region
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) {
    if (d_new) state.scalars["step"] += 1.0;
    const ProdigyOptions options = settings(group);
    dispatch(param.dtype(),
             [&]<class T>() { update_one<T>(options, estimate, d_new, options.lr <= 0.0, param, grad, state, loops); });
  });
  loops.run();
}

double Prodigy::step(const std::function<double()>& closure) {
  const double loss = evaluate(closure);
  if (groups_.empty()) return loss;
  const ProdigyOptions first = settings(groups_.front());
  double lr = 0.0;
  for (const ParamGroup& group : groups_) lr = std::max(lr, group.lr());
  for (const ParamGroup& group : groups_)
    if (group.lr() != lr && group.lr() != 0.0)
      throw ValueError("prodigy: a group's lr must be 0 or the largest lr of all groups (" + std::to_string(lr) +
                       "): one step size d is estimated for all");
  const auto [beta1, beta2] = first.betas;
  const double k = globals_["k"], d = globals_.try_emplace("d", first.d0).first->second;
  const double bias_correction =
      first.use_bias_correction ? std::sqrt(1.0 - std::pow(beta2, k + 1.0)) / (1.0 - std::pow(beta1, k + 1.0)) : 1.0;
  const double dlr = d * lr * bias_correction;
  const auto [numerator_term, denominator] = accumulate(first, d, dlr);
  if (denominator == 0.0) {  // no gradient yet: nothing to estimate or step
    update(first, d, dlr, std::nullopt);
    return loss;
  }
  const double beta3 = first.beta3 < 0 ? std::sqrt(beta2) : first.beta3;
  const double numerator = globals_["d_numerator"] * beta3 + numerator_term;
  const double d_hat = first.d_coef * numerator / denominator;
  const double d_max = std::max(globals_.try_emplace("d_max", first.d0).first->second, d_hat);
  globals_["d_numerator"] = numerator;
  globals_["d_max"] = d_max;
  globals_["d"] = d_max;  // d ← min(d_max, d·growth_rate) with growth_rate = ∞
  update(first, d, dlr, d_max);
  globals_["k"] = k + 1.0;
  return loss;
}

template class Tabled<ProdigyOptions>;

}  // namespace descent::optim
