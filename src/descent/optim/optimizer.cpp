// The Optimizer base: parameter groups with defaults filled in, zero_grad, and a state dict
// that load_state_dict checks in full before it changes anything.
#include "descent/optim/optimizer.hpp"

#include <limits>

namespace descent::optim {

namespace {

std::string known_keys(const Options& options) {
  std::string out;
  for (const auto& [key, value] : options) out += (out.empty() ? "" : ", ") + key;
  return out;
}

}  // namespace

double ParamGroup::get(const std::string& key) const {
  auto it = options.find(key);
  if (it == options.end())
    throw ValueError("parameter group has no hyperparameter '" + key + "' (it has: " + known_keys(options) + ")");
  return it->second;
}

namespace {

void check_group_index(std::size_t group, std::size_t count) {
  if (group >= count)
    throw ValueError("parameter group " + std::to_string(group) + " does not exist (the optimizer has " +
                     std::to_string(count) + ")");
}

}  // namespace

double Optimizer::hyperparameter(std::size_t group, const std::string& key) const {
  check_group_index(group, groups_.size());
  return groups_[group].get(key);
}

void Optimizer::set_hyperparameter(std::size_t group, const std::string& key, double value) {
  check_group_index(group, groups_.size());
  groups_[group].get(key);  // refuses a key the group lacks
  Options changed = groups_[group].options;
  changed[key] = value;
  validate(changed);
  groups_[group].options = std::move(changed);
}

std::vector<ParamGroup> Optimizer::one_group(std::vector<Tensor> params) {
  std::vector<ParamGroup> groups(1);
  groups[0].params = std::move(params);
  return groups;
}

void Optimizer::add_groups(std::vector<ParamGroup> groups) {
  if (groups.empty()) throw ValueError(name() + ": optimizer got an empty parameter list");
  for (auto& g : groups) add_param_group(std::move(g));
}

void Optimizer::add_param_group(ParamGroup group) {
  if (group.params.empty()) throw ValueError(name() + ": a parameter group has no parameters");
  if (!group.names.empty() && group.names.size() != group.params.size())
    throw ValueError(name() + ": parameter group has " + std::to_string(group.params.size()) + " parameters but " +
                     std::to_string(group.names.size()) + " names");
  for (const auto& [key, value] : group.options)
    if (!defaults_.count(key))
      throw ValueError(name() + ": unknown hyperparameter '" + key + "' (valid: " + known_keys(defaults_) + ")");
  for (const auto& [key, value] : defaults_) group.options.try_emplace(key, value);
  validate(group.options);
  for (const Tensor& p : group.params) {
    if (!p.defined()) throw ValueError(name() + ": a parameter group holds an undefined tensor");
    if (!p.is_contiguous())
      throw ValueError(name() + ": parameter of shape " + p.shape().str() +
                       " is not contiguous; optimizers update contiguous parameters only");
    for (const ParamGroup& other : groups_)
      for (const Tensor& q : other.params)
        if (q.is_same(p))
          throw ValueError(name() + ": a parameter of shape " + p.shape().str() + " appears in more than one group");
  }
  groups_.push_back(std::move(group));
}

void Optimizer::zero_grad(bool set_to_none) {
  for (ParamGroup& g : groups_)
    for (Tensor& p : g.params) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      if (set_to_none)
        p.zero_grad();
      else
        grad.zero_();
    }
}

double Optimizer::evaluate(const std::function<double()>& closure) {
  return closure ? closure() : std::numeric_limits<double>::quiet_NaN();
}

Tensor Optimizer::gradient(const Tensor& param) const {
  Tensor grad = param.grad();
  if (!grad.defined()) return grad;
  if (grad.dtype() != param.dtype() || !(grad.shape() == param.shape()))
    throw ShapeError(name() + ": gradient of shape " + grad.shape().str() + " (" +
                     std::string(dtype_name(grad.dtype())) + ") for a parameter of shape " + param.shape().str() +
                     " (" + std::string(dtype_name(param.dtype())) + ")");
  if (grad.is_contiguous()) return grad;
  // The update reads the gradient through a raw pointer, possibly after this returns
  // (optim::FusedStep): keep the contiguous copy alive as the parameter's .grad.
  Tensor contiguous = grad.contiguous();
  Tensor(param).set_grad(contiguous);
  return contiguous;
}

std::vector<Tensor> Optimizer::all_params() const {
  std::vector<Tensor> out;
  for (const ParamGroup& g : groups_) out.insert(out.end(), g.params.begin(), g.params.end());
  return out;
}

OptimizerState Optimizer::state_dict() const {
  OptimizerState out;
  out.optimizer = name();
  int64_t index = 0;
  for (const ParamGroup& g : groups_) {
    out.groups.push_back(g.options);
    std::vector<int64_t> indices;
    for (const Tensor& p : g.params) {
      auto it = state_.find(p.impl_ptr().get());
      if (it != state_.end()) {
        ParamState copy{.buffers = {}, .scalars = it->second.scalars};
        for (const auto& [key, buffer] : it->second.buffers) copy.buffers[key] = buffer.clone();
        out.state[index] = std::move(copy);
      }
      indices.push_back(index++);
    }
    out.group_params.push_back(std::move(indices));
  }
  out.globals = globals_;
  return out;
}

void Optimizer::check_buffer(const Tensor& param, const std::string& key, const Tensor& buffer) const {
  if (!(buffer.shape() == param.shape()) || buffer.dtype() != param.dtype())
    throw ValueError(name() + ".load_state_dict: buffer '" + key + "' has shape " + buffer.shape().str() + " (" +
                     std::string(dtype_name(buffer.dtype())) + ") but its parameter has shape " + param.shape().str() +
                     " (" + std::string(dtype_name(param.dtype())) + ")");
}

void Optimizer::load_state_dict(const OptimizerState& state) {
  // Check everything first: a refused state leaves this optimizer as it was.
  if (state.optimizer != name())
    throw ValueError(name() + ".load_state_dict: the state is from optimizer '" + state.optimizer + "'");
  if (state.groups.size() != groups_.size() || state.group_params.size() != groups_.size())
    throw ValueError(name() + ".load_state_dict: the state has " + std::to_string(state.groups.size()) +
                     " parameter groups, this optimizer " + std::to_string(groups_.size()));
  std::vector<Tensor> params = all_params();
  int64_t index = 0;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    if (state.group_params[g].size() != groups_[g].params.size())
      throw ValueError(name() + ".load_state_dict: group " + std::to_string(g) + " has " +
                       std::to_string(state.group_params[g].size()) + " parameters in the state, " +
                       std::to_string(groups_[g].params.size()) + " here");
    for (int64_t i : state.group_params[g])
      if (i != index++)
        throw ValueError(name() + ".load_state_dict: group " + std::to_string(g) + " lists parameter " +
                         std::to_string(i) + " out of order");
    for (const auto& [key, value] : state.groups[g])
      if (!defaults_.count(key))
        throw ValueError(name() + ".load_state_dict: unknown hyperparameter '" + key + "' in group " +
                         std::to_string(g));
    Options merged = state.groups[g];
    for (const auto& [key, value] : defaults_) merged.try_emplace(key, value);
    validate(merged);
  }
  for (const auto& [i, param_state] : state.state) {
    if (i < 0 || i >= static_cast<int64_t>(params.size()))
      throw ValueError(name() + ".load_state_dict: state for parameter " + std::to_string(i) + " but there are " +
                       std::to_string(params.size()));
    for (const auto& [key, buffer] : param_state.buffers) check_buffer(params[i], key, buffer);
  }

  for (std::size_t g = 0; g < groups_.size(); ++g) {
    Options merged = state.groups[g];
    for (const auto& [key, value] : defaults_) merged.try_emplace(key, value);
    groups_[g].options = std::move(merged);
  }
  state_.clear();
  for (const auto& [i, param_state] : state.state) {
    ParamState copy{.buffers = {}, .scalars = param_state.scalars};
    for (const auto& [key, buffer] : param_state.buffers) copy.buffers[key] = buffer.clone();
    state_[params[i].impl_ptr().get()] = std::move(copy);
  }
  globals_ = state.globals;
}

}  // namespace descent::optim
