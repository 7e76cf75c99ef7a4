// Lookahead, following Zhang et al. (2019) Algorithm 1.
#include "descent/optim/lookahead.hpp"

#include <cmath>

#include "descent/optim/fused.hpp"
#include "descent/optim/validate.hpp"

namespace descent::optim {

namespace {

constexpr const char* kSlow = "lookahead.slow_param";
constexpr const char* kStep = "lookahead.step";

bool own_key(const std::string& key) { return key == "k" || key == "alpha"; }

Options without_own_keys(const Options& options) {
  Options out;
  for (const auto& [key, value] : options)
    if (!own_key(key)) out[key] = value;
  return out;
}

}  // namespace

std::vector<Hyperparameter> Lookahead::hyperparameters() {
  return {{"k", 5.0, "inner steps between slow-weight updates"},
          {"alpha", 0.5, "slow-weight step size: φ ← φ + α(θ − φ)"}};
}

Lookahead::Lookahead(std::unique_ptr<Optimizer> inner, const Options& options)
    : Optimizer([&] {
        if (!inner) throw ValueError("lookahead: no inner optimizer");
        Options defaults = inner->defaults();
        for (const Hyperparameter& h : hyperparameters()) defaults[h.name] = h.value;
        for (const auto& [key, value] : options) {
          if (!own_key(key))
            throw ValueError("lookahead: unknown hyperparameter '" + key +
                             "' (valid: k, alpha; give the inner optimizer's inside its spec)");
          defaults[key] = value;
        }
        return defaults;
      }()),
      inner_(std::move(inner)) {
  validate(defaults_);
  for (const ParamGroup& g : inner_->param_groups()) {
    ParamGroup group = g;
    for (const auto& [key, value] : defaults_)
      if (own_key(key)) group.options[key] = value;
    Optimizer::add_param_group(std::move(group));
  }
}

void Lookahead::validate(const Options& o) const {
  require_at_least(name(), o, "k", 1.0);
  require(o.at("k") == std::floor(o.at("k")), name(), "invalid k = " + std::to_string(o.at("k")) +
                                                          " (valid range: an integer >= 1)");
  require_in_closed(name(), o, "alpha", 0.0, 1.0);
  if (inner_) inner_->check_options(without_own_keys(o));
}

void Lookahead::add_param_group(ParamGroup group) {
  ParamGroup inner_group = group;
  inner_group.options = without_own_keys(group.options);
  for (const auto& [key, value] : defaults_)
    if (!own_key(key)) inner_group.options.try_emplace(key, value);
  Optimizer::add_param_group(group);  // checks everything first
  try {
    inner_->add_param_group(std::move(inner_group));
  } catch (...) {
    groups_.pop_back();
    throw;
  }
}

void Lookahead::sync_inner_options() {
  for (std::size_t g = 0; g < groups_.size(); ++g) inner_->param_groups()[g].options = without_own_keys(groups_[g].options);
}

double Lookahead::step(const std::function<double()>& closure) {
  sync_inner_options();
  for (ParamGroup& group : groups_)
    for (Tensor& param : group.params) {
      ParamState& st = state(param);
      if (!st.buffers.count(kSlow)) st.buffers[kSlow] = param.detach().clone();  // φ₀ = θ₀
    }
  double loss = inner_->step(closure);
  const double t = (globals_[kStep] += 1.0);
  FusedStep loops;
  for (ParamGroup& group : groups_) {
    if (std::fmod(t, group.get("k")) != 0.0) continue;
    const double alpha = group.get("alpha");
    for (Tensor& param : group.params) {
      Tensor& slow = state(param).buffers.at(kSlow);
      dispatch(param.dtype(), [&]<class T>() {
        T* theta = param.data<T>();
        T* phi = slow.data<T>();
        const T a = T(alpha);
        loops.add(param.numel(), [=](int64_t i) {
          phi[i] = phi[i] + a * (theta[i] - phi[i]);  // φ ← φ + α(θ − φ)
          theta[i] = phi[i];                          // θ ← φ
        });
      });
    }
  }
  loops.run();
  return loss;
}

OptimizerState Lookahead::state_dict() const {
  OptimizerState out = inner_->state_dict();
  out.optimizer = "lookahead(" + inner_->name() + ")";
  for (std::size_t g = 0; g < groups_.size(); ++g) out.groups[g] = groups_[g].options;
  std::vector<Tensor> params = all_params();
  for (std::size_t i = 0; i < params.size(); ++i) {
    auto it = state_.find(params[i].impl_ptr().get());
    if (it != state_.end() && it->second.buffers.count(kSlow))
      out.state[static_cast<int64_t>(i)].buffers[kSlow] = it->second.buffers.at(kSlow).clone();
  }
  for (const auto& [key, value] : globals_) out.globals[key] = value;
  return out;
}

void Lookahead::load_state_dict(const OptimizerState& state) {
  const std::string expected = "lookahead(" + inner_->name() + ")";
  if (state.optimizer != expected)
    throw ValueError("lookahead.load_state_dict: the state is from optimizer '" + state.optimizer + "', expected '" +
                     expected + "'");
  if (state.groups.size() != groups_.size())
    throw ValueError("lookahead.load_state_dict: the state has " + std::to_string(state.groups.size()) +
                     " parameter groups, this optimizer " + std::to_string(groups_.size()));
  std::vector<Tensor> params = all_params();
  OptimizerState inner_state = state;
  inner_state.optimizer = inner_->name();
  inner_state.globals.erase(kStep);
  for (auto& g : inner_state.groups) g = without_own_keys(g);
  for (auto& [i, param_state] : inner_state.state) {
    auto it = param_state.buffers.find(kSlow);
    if (it == param_state.buffers.end()) continue;
    if (i < 0 || i >= static_cast<int64_t>(params.size()))
      throw ValueError("lookahead.load_state_dict: state for parameter " + std::to_string(i) + " but there are " +
                       std::to_string(params.size()));
    check_buffer(params[i], kSlow, it->second);
    param_state.buffers.erase(it);
  }
  for (const Options& g : state.groups) {
    Options merged = g;
    for (const auto& [key, value] : defaults_) merged.try_emplace(key, value);
    validate(merged);
  }
  inner_->load_state_dict(inner_state);  // checks the rest; throws before changing anything

  for (std::size_t g = 0; g < groups_.size(); ++g)
    for (const auto& [key, value] : state.groups[g]) groups_[g].options[key] = value;
  state_.clear();
  for (const auto& [i, param_state] : state.state) {
    auto it = param_state.buffers.find(kSlow);
    if (it != param_state.buffers.end()) state_[params[i].impl_ptr().get()].buffers[kSlow] = it->second.clone();
  }
  globals_.clear();
  if (state.globals.count(kStep)) globals_[kStep] = state.globals.at(kStep);
}

}  // namespace descent::optim
