// Optimizer: the base of every optimizer, as torch.optim.Optimizer. Parameters come in
// groups, each with its own hyperparameters (by PyTorch's names), which schedules and the
// CLI read and change between steps; per-parameter state (moment buffers, step counts) is
// kept apart from the options. state_dict() holds everything needed to resume exactly.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "descent/tensor/tensor.hpp"

namespace descent::optim {

// Hyperparameters by PyTorch's names: "lr", "momentum", "dampening", "weight_decay",
// "beta1" and "beta2" (torch's betas), "eps", ...; flags ("nesterov", "amsgrad",
// "maximize", ...) are 0 or 1.
using Options = std::map<std::string, double>;

struct ParamGroup {
  std::vector<Tensor> params;
  std::vector<std::string> names;  // dotted parameter names when known (may be empty)
  Options options;

  double lr() const { return get("lr"); }
  void set_lr(double lr) { options["lr"] = lr; }
  double get(const std::string& key) const;  // throws ValueError naming the key and the known ones
  bool flag(const std::string& key) const { return get(key) != 0.0; }
};

// Per-parameter state: named buffers shaped like the parameter, and scalars (step count,
// SWATS's switch, ...).
struct ParamState {
  std::map<std::string, Tensor> buffers;
  std::map<std::string, double> scalars;
};

// Everything an optimizer needs to continue as if never stopped.
struct OptimizerState {
  std::string optimizer;                           // name(), checked on load
  std::vector<Options> groups;                     // each group's hyperparameters
  std::vector<std::vector<int64_t>> group_params;  // indices of each group's parameters (in order)
  std::map<int64_t, ParamState> state;             // by parameter index (across groups, in order)
  std::map<std::string, double> globals;           // optimizer-wide scalars (e.g. L-BFGS counters)
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  virtual std::string name() const = 0;  // "sgd", "adam", ... as in specs

  // One update of every parameter that has a gradient. The closure, when given, re-evaluates
  // the model and returns the loss (needed by L-BFGS); step returns that loss (or NaN).
  virtual double step(const std::function<double()>& closure = {}) = 0;
  // True for optimizers whose step needs the closure (L-BFGS's line search re-evaluates).
  virtual bool needs_closure() const { return false; }

  // Schedule-Free optimizers train at one point and evaluate at another: eval() moves the
  // parameters to the evaluation point, train() back (as schedulefree's optimizer.train()/
  // .eval(); call them with the model's). Every other optimizer ignores them.
  virtual void train() {}
  virtual void eval() {}

  // Drops every parameter's gradient (set_to_none=true, PyTorch 2's default), or zeroes it.
  void zero_grad(bool set_to_none = true);

  // One group of these parameters, for the constructors that take a model's parameters.
  static std::vector<ParamGroup> one_group(std::vector<Tensor> params);

  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  // Adds a group; options it lacks are filled from the optimizer's defaults, then validated.
  virtual void add_param_group(ParamGroup group);
  // Throws ValueError unless `options` (complete) are valid hyperparameters for this optimizer.
  void check_options(const Options& options) const { validate(options); }
  const Options& defaults() const { return defaults_; }
  // A group's hyperparameter by PyTorch's name, to read or change between steps (what optax's
  // inject_hyperparams exposes; a callback's way to drive lr, momentum or weight_decay):
  //   double lr = optimizer.hyperparameter(0, "lr");
  //   optimizer.set_hyperparameter(0, "lr", lr / 2);
  // set_hyperparameter refuses (changing nothing) a group index out of range, a key the group
  // lacks and a value outside the optimizer's range for it, naming each.
  double hyperparameter(std::size_t group, const std::string& key) const;
  void set_hyperparameter(std::size_t group, const std::string& key, double value);

  // Saving and restoring. load_state_dict refuses (and changes nothing) when the state is
  // from another optimizer or its shapes or group sizes do not match.
  virtual OptimizerState state_dict() const;
  virtual void load_state_dict(const OptimizerState& state);

  // Expires when this optimizer is destroyed: a scheduler holds it to refuse, with an error, to
  // drive an optimizer that no longer exists.
  std::weak_ptr<const void> lifetime() const { return alive_; }

 protected:
  // `defaults` are the optimizer's hyperparameters (PyTorch's defaults overridden by the
  // caller's); a derived constructor validates them, then adds its groups with add_groups
  // (validate is virtual, so the base constructor cannot call it).
  explicit Optimizer(Options defaults) : defaults_(std::move(defaults)) {}
  void add_groups(std::vector<ParamGroup> groups);
  // Checks one group's hyperparameters; throws ValueError naming parameter, value, valid range.
  virtual void validate(const Options& options) const = 0;
  ParamState& state(const Tensor& param) { return state_[param.impl_ptr().get()]; }
  bool has_state(const Tensor& param) const { return state_.count(param.impl_ptr().get()) > 0; }
  // The closure's loss (NaN without one), as step() returns it.
  static double evaluate(const std::function<double()>& closure);
  // A parameter's gradient, contiguous, checked against the parameter's shape and dtype;
  // undefined when the parameter has none.
  Tensor gradient(const Tensor& param) const;
  // f(group, param, grad, state) for every parameter that has a gradient.
  template <class F>
  void for_each_param_with_grad(F&& f) {
    for (ParamGroup& group : groups_)
      for (Tensor& param : group.params) {
        Tensor grad = gradient(param);
        if (grad.defined()) f(group, param, grad, state(param));
      }
  }
  // Every parameter across groups, in order (the indices state_dict uses).
  std::vector<Tensor> all_params() const;
  // load_state_dict's check of one loaded buffer: by default shaped and typed like its parameter.
  virtual void check_buffer(const Tensor& param, const std::string& key, const Tensor& buffer) const;

  std::vector<ParamGroup> groups_;
  Options defaults_;
  std::unordered_map<const TensorImpl*, ParamState> state_;
  std::map<std::string, double> globals_;  // optimizer-wide scalars, saved in state_dict

 private:
  std::shared_ptr<const bool> alive_ = std::make_shared<const bool>(true);
};

}  // namespace descent::optim
