// What an optimizer's source file includes to write its rule: the Slot an update sees, and
// the definitions of Tabled<O> and Elementwise<O>, which the file instantiates:
//
//   template <>
//   Table<LionOptions> table_of<LionOptions>() { return {"lion", WeightDecay::decoupled, {rows}}; }
//   template <class T>
//   void update(const LionOptions& options, Slot<T>& slot) { ... slot.apply(kernel); }
//   template class Tabled<LionOptions>;
//   template class Elementwise<LionOptions>;
//
// A Tensorwise<O> writes `void update_tensor(const O&, Tensor& param, const Tensor& grad,
// ParamState& state)` instead of `update`, and instantiates Tensorwise<O>.
//
// An optimizer may add `void check_relations(const O&)` for what its table's ranges cannot
// say (SGD's nesterov needs momentum and no dampening).
#pragma once
#include <string>
#include <vector>

#include "descent/optim/elementwise.hpp"
#include "descent/optim/fused.hpp"

namespace descent::optim {

// One parameter tensor as an update rule sees it: its state and the loop that applies the
// rule to each element.
template <class T>
class Slot {
 public:
  // The gradient form of one group: the weight-decay mode, the sign (maximize), λ and the
  // decoupled shrink 1 − lr·λ.
  struct Form {
    WeightDecay decay;
    T sign, lambda, shrink;
  };
  Slot(Tensor param, Tensor grad, ParamState& state, Form form, FusedStep& loops)
      : param_(std::move(param)), grad_(std::move(grad)), state_(state), form_(form), loops_(loops) {}

  // A state buffer shaped like the parameter: zeros, or filled with `value`, on first use.
  T* zeros(const std::string& key) { return zeros_buffer(state_, key, param_).template data<T>(); }
  T* filled(const std::string& key, double value) { return full_buffer(state_, key, param_, value).template data<T>(); }
  bool has(const std::string& key) const { return state_.buffers.count(key) > 0; }
  // A state scalar (`initial` when new); next_step() counts this parameter's steps in "step" (t).
  double& scalar(const std::string& key, double initial = 0.0) {
    return state_.scalars.try_emplace(key, initial).first->second;
  }
  double next_step() { return state_.scalars["step"] += 1.0; }

  // kernel(i, g, θ_i) for every element, later, in the step's one parallel region: g is the
  // gradient as the group's form makes it, θ_i the parameter element to update.
  template <class Kernel>
  void apply(Kernel kernel) {
    T* theta = param_.data<T>();
    const T* grad = grad_.data<T>();
    const T sign = form_.sign, lambda = form_.lambda, shrink = form_.shrink;
    if (form_.decay == WeightDecay::l2)
      loops_.add(param_.numel(), [=](int64_t i) { kernel(i, sign * grad[i] + lambda * theta[i], theta[i]); });
    else if (form_.decay == WeightDecay::decoupled)
      loops_.add(param_.numel(), [=](int64_t i) {
        theta[i] = theta[i] * shrink;  // θ ← θ(1 − lr·λ)
        kernel(i, sign * grad[i], theta[i]);
      });
    else
      loops_.add(param_.numel(), [=](int64_t i) { kernel(i, sign * grad[i], theta[i]); });
  }

 private:
  Tensor param_, grad_;
  ParamState& state_;
  Form form_;
  FusedStep& loops_;
};

// The form of the gradient for a group with these options.
template <class T, class O>
typename Slot<T>::Form gradient_form(WeightDecay decay, const O& options) {
  typename Slot<T>::Form form{.decay = decay, .sign = T(1), .lambda = T(0), .shrink = T(1)};
  if constexpr (requires { options.maximize; }) form.sign = options.maximize ? T(-1) : T(1);
  if constexpr (requires { options.weight_decay; }) {
    form.lambda = T(options.weight_decay);
    form.shrink = T(1.0 - options.lr * options.weight_decay);
  }
  return form;
}

template <class O>
Tabled<O>::Tabled(std::vector<Tensor> params, const O& options) : Tabled(one_group(std::move(params)), options) {}

template <class O>
Tabled<O>::Tabled(std::vector<ParamGroup> groups, const O& options) : Optimizer(table().to_map(options)) {
  Tabled::validate(defaults_);
  add_groups(std::move(groups));
}

template <class O>
const Table<O>& Tabled<O>::table() {
  static const Table<O> table = table_of<O>();
  return table;
}

template <class O>
const std::vector<Hyperparameter>& Tabled<O>::hyperparameters() {
  static const std::vector<Hyperparameter> rows = table().rows();
  return rows;
}

template <class O>
std::string Tabled<O>::name() const {
  return table().name();
}

template <class O>
void Tabled<O>::validate(const Options& options) const {
  check_ranges(table().name(), hyperparameters(), options);
  if constexpr (requires(const O& settings) { check_relations(settings); }) check_relations(table().from_map(options));
}

template <class O>
O Tabled<O>::settings(const ParamGroup& group) const {
  return table().from_map(group.options);
}

template <class O>
double Elementwise<O>::step(const std::function<double()>& closure) {
  const double loss = Optimizer::evaluate(closure);
  FusedStep loops;
  for (ParamGroup& group : this->groups_) {
    const O options = this->settings(group);  // looked up once for all its parameters
    for (Tensor& param : group.params) {
      const Tensor grad = this->gradient(param);
      if (!grad.defined()) continue;
      dispatch(param.dtype(), [&]<class T>() {
        Slot<T> slot(param, grad, this->state(param), gradient_form<T>(this->table().decay(), options), loops);
        update(options, slot);
      });
    }
  }
  loops.run();
  return loss;
}

template <class O>
double Tensorwise<O>::step(const std::function<double()>& closure) {
  const double loss = Optimizer::evaluate(closure);
  this->for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) {
    update_tensor(this->settings(group), param, grad, state);
  });
  return loss;
}

}  // namespace descent::optim
