// The optimizer written once (as ensmallen's SGD<UpdatePolicy>). An optimizer is its options
// struct, whose member initializers are its defaults, plus, in its source file, its table
// (table_of<O>: name, weight-decay mode, hyperparameter rows) and its update rule:
//
//   struct LionOptions { double lr = 1e-4; ... };   // lion.hpp
//   using Lion = Elementwise<LionOptions>;
//
// Elementwise<O> owns construction, validation of ranges from the table, parameter groups,
// maximize, the weight-decay modes and the fused pass over (param, grad, state); the rule
// (`update` in the source file, see rule.hpp) says what happens to one element. A rule that
// needs a whole parameter tensor at once (LAMB's norms, SWATS's projections) is a
// Tensorwise<O>: `update_tensor` in the source file sees one parameter, its gradient and its
// state. Optimizers that are neither (Schedule-Free, L-BFGS) derive from Tabled<O> for the
// same options, table and validation, and write their own step.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "descent/optim/hyperparameters.hpp"
#include "descent/optim/optimizer.hpp"

namespace descent::optim {

// An optimizer configured by the options struct O and its table. Its members are defined
// in rule.hpp and instantiated in the optimizer's source file.
template <class O>
class Tabled : public Optimizer {
 public:
  using Settings = O;
  // A model's parameters (one group) or parameter groups, and the options every group
  // starts from (a group's own options override them).
  Tabled(std::vector<Tensor> params, const O& options = {});
  Tabled(std::vector<ParamGroup> groups, const O& options = {});

  static const Table<O>& table();
  static const std::vector<Hyperparameter>& hyperparameters();
  std::string name() const override;

 protected:
  // Ranges from the table, then check_relations(options) where the optimizer defines one.
  void validate(const Options& options) const override;
  // A group's hyperparameters as the options struct (schedules may have changed them).
  O settings(const ParamGroup& group) const;
};

template <class O>
class Elementwise final : public Tabled<O> {
 public:
  using Tabled<O>::Tabled;
  double step(const std::function<double()>& closure = {}) override;
};

// An optimizer whose rule sees a whole parameter tensor: update_tensor(options, param, grad,
// state) for each parameter with a gradient, parameter after parameter.
template <class O>
class Tensorwise final : public Tabled<O> {
 public:
  using Tabled<O>::Tabled;
  double step(const std::function<double()>& closure = {}) override;
};

}  // namespace descent::optim
