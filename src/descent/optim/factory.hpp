// Optimizers by name, from a spec string as the CLI takes it (the shared spec grammar):
//   NAME[:key=value,...]     e.g. "sgd:lr=0.1,momentum=0.9,nesterov=true", "adam:lr=1e-3,betas=0.9/0.999"
// Keys are PyTorch's hyperparameter names; pairs are written a/b (betas → beta1, beta2;
// etas → etaminus, etaplus; step_sizes → step_size_min, step_size_max); flags take
// true/false (or 1/0). A wrapper takes its inner optimizer in parentheses, to any depth:
//   "lookahead(adam:lr=1e-3):k=5,alpha=0.5", "lookahead(lookahead(sgd:lr=1e-3):k=5):k=3".
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "descent/optim/hyperparameters.hpp"
#include "descent/optim/optimizer.hpp"

namespace descent::optim {

struct OptimizerInfo {
  std::string name;     // as in specs
  std::string summary;  // one line: what it is and its paper
  std::vector<Hyperparameter> hyperparameters;
  // Builds it over groups with these options (defaults filled in, ranges checked); a
  // wrapper has `wrap` instead, which builds it around an inner optimizer.
  std::function<std::unique_ptr<Optimizer>(std::vector<ParamGroup>, const Options&)> make;
  std::function<std::unique_ptr<Optimizer>(std::unique_ptr<Optimizer>, const Options&)> wrap;
};

// Every optimizer, in the order `descent optimizers` lists them.
const std::vector<OptimizerInfo>& optimizer_registry();

// A parsed spec: the name, the options given (converted as the optimizer's table says, or,
// for a name that is no optimizer such as a parameter group's, as any optimizer's), and
// the inner spec of a wrapper.
struct OptimizerSpec {
  std::string name;
  Options options;
  std::string inner;  // empty unless the optimizer wraps another
};
OptimizerSpec parse_optimizer_spec(const std::string& spec);

// The optimizer a spec describes, over these groups (or one group of these parameters).
// Group options override the spec's for their group. Unknown names and keys (listed before
// any value is read), duplicate keys, malformed or non-finite values and out-of-range
// hyperparameters throw ValueError listing what is valid.
std::unique_ptr<Optimizer> make_optimizer(const std::string& spec, std::vector<ParamGroup> groups);
std::unique_ptr<Optimizer> make_optimizer(const std::string& spec, std::vector<Tensor> params);

// The listing `descent optimizers` prints: each optimizer with its hyperparameters and defaults.
std::string describe_optimizers();

}  // namespace descent::optim
