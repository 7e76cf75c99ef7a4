// An optimizer's hyperparameters described once: name (PyTorch's), default, meaning. The
// defaults map, the spec parser and `descent optimizers` all read this one list.
#pragma once
#include <string>
#include <vector>

#include "descent/optim/optimizer.hpp"

namespace descent::optim {

struct Hyperparameter {
  std::string name;
  double value;      // the default
  std::string help;
  bool flag = false; // a boolean (0 or 1), printed as false/true
};

// The defaults, overridden by `options`; a key not among the hyperparameters is refused
// with the list of valid ones.
Options with_defaults(const std::string& optimizer, const std::vector<Hyperparameter>& hyperparameters,
                      const Options& options);

}  // namespace descent::optim
