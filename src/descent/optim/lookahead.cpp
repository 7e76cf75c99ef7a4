// Lookahead, following Zhang et al. (2019) Algorithm 1.
#include "descent/optim/lookahead.hpp"

#include <cmath>

#include "descent/optim/fused.hpp"

namespace descent::optim {

namespace {

// "lookahead." once for every lookahead already inside `inner`, so the keys stay apart.
std::string prefix_for(const Optimizer& inner) {
  std::string prefix;
  while (inner.defaults().count(prefix + "k")) prefix += "lookahead.";
  return prefix;
}

Options defaults_over(const std::unique_ptr<Optimizer>& inner, const LookaheadOptions& options) {
  if (!inner) throw ValueError("lookahead: no inner optimizer");
  Options defaults = inner->defaults();
  const std::string prefix = prefix_for(*inner);
  for (const auto& [key, value] : Lookahead::table().to_map(options)) defaults[prefix + key] = value;
  return defaults;
}

}  // namespace

template <>
Table<LookaheadOptions> table_of<LookaheadOptions>() {  // the hyperparameters of Zhang et al. (2019)
  using O = LookaheadOptions;
  return {"lookahead",
          WeightDecay::none,
          {integer("k", &O::k, at_least(1), "inner steps between slow-weight updates"),
           number("alpha", &O::alpha, closed(0, 1), "slow-weight step size: φ ← φ + α(θ − φ)")}};
}

const Table<LookaheadOptions>& Lookahead::table() {
  static const Table<LookaheadOptions> rows = table_of<LookaheadOptions>();
  return rows;
}

const std::vector<Hyperparameter>& Lookahead::hyperparameters() {
  static const std::vector<Hyperparameter> rows = table().rows();
  return rows;
}

Lookahead::Lookahead(std::unique_ptr<Optimizer> inner, const LookaheadOptions& options)
    : Optimizer(defaults_over(inner, options)), inner_(std::move(inner)), prefix_(prefix_for(*inner_)) {
  validate(defaults_);
  for (const ParamGroup& g : inner_->param_groups()) {
    ParamGroup group = g;
    for (const auto& [key, value] : defaults_)
      if (own_key(key)) group.options[key] = value;
    Optimizer::add_param_group(std::move(group));
  }
}

Options Lookahead::without_own_keys(const Options& options) const {
  Options out;
  for (const auto& [key, value] : options)
    if (!own_key(key)) out[key] = value;
  return out;
}

void Lookahead::validate(const Options& options) const {
  Options own;
  for (const Hyperparameter& row : hyperparameters()) {
    auto it = options.find(key_of(row.name));
    if (it != options.end()) own[row.name] = it->second;
  }
  check_ranges(name(), hyperparameters(), own);
  if (inner_) inner_->check_options(without_own_keys(options));
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
  for (std::size_t g = 0; g < groups_.size(); ++g)
    inner_->param_groups()[g].options = without_own_keys(groups_[g].options);
}

double Lookahead::step(const std::function<double()>& closure) {
  const std::string slow_key = key_of("lookahead.slow_param");
  sync_inner_options();
  for (ParamGroup& group : groups_)
    for (Tensor& param : group.params) {
      ParamState& st = state(param);
      if (!st.buffers.count(slow_key)) st.buffers[slow_key] = param.detach().clone();  // φ₀ = θ₀
    }
  double loss = inner_->step(closure);
  const double t = (globals_[key_of("lookahead.step")] += 1.0);
  FusedStep loops;
  for (ParamGroup& group : groups_) {
    if (std::fmod(t, group.get(key_of("k"))) != 0.0) continue;
    const double alpha = group.get(key_of("alpha"));
    for (Tensor& param : group.params) {
      Tensor& slow = state(param).buffers.at(slow_key);
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
  const std::string slow_key = key_of("lookahead.slow_param");
  OptimizerState out = inner_->state_dict();
  out.optimizer = "lookahead(" + out.optimizer + ")";
  for (std::size_t g = 0; g < groups_.size(); ++g) out.groups[g] = groups_[g].options;
  std::vector<Tensor> params = all_params();
  for (std::size_t i = 0; i < params.size(); ++i) {
    auto it = state_.find(params[i].impl_ptr().get());
    if (it != state_.end() && it->second.buffers.count(slow_key))
      out.state[static_cast<int64_t>(i)].buffers[slow_key] = it->second.buffers.at(slow_key).clone();
  }
  for (const auto& [key, value] : globals_) out.globals[key] = value;
  return out;
}

void Lookahead::load_state_dict(const OptimizerState& state) {
  const std::string slow_key = key_of("lookahead.slow_param"), step_key = key_of("lookahead.step");
  const std::string& saved = state.optimizer;
  if (saved.rfind("lookahead(", 0) != 0 || saved.back() != ')')
    throw ValueError("lookahead.load_state_dict: the state is from optimizer '" + saved + "', not a lookahead");
  if (state.groups.size() != groups_.size())
    throw ValueError("lookahead.load_state_dict: the state has " + std::to_string(state.groups.size()) +
                     " parameter groups, this optimizer " + std::to_string(groups_.size()));
  std::vector<Tensor> params = all_params();
  OptimizerState inner_state = state;
  inner_state.optimizer = saved.substr(10, saved.size() - 11);  // checked by the inner optimizer
  inner_state.globals.erase(step_key);
  for (auto& g : inner_state.groups) g = without_own_keys(g);
  for (auto& [i, param_state] : inner_state.state) {
    auto it = param_state.buffers.find(slow_key);
    if (it == param_state.buffers.end()) continue;
    if (i < 0 || i >= static_cast<int64_t>(params.size()))
      throw ValueError("lookahead.load_state_dict: state for parameter " + std::to_string(i) + " but there are " +
                       std::to_string(params.size()));
    check_buffer(params[i], slow_key, it->second);
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
    auto it = param_state.buffers.find(slow_key);
    if (it != param_state.buffers.end()) state_[params[i].impl_ptr().get()].buffers[slow_key] = it->second.clone();
  }
  globals_.clear();
  if (state.globals.count(step_key)) globals_[step_key] = state.globals.at(step_key);
}

}  // namespace descent::optim
