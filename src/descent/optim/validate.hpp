// Hyperparameter checks shared by the optimizers, with PyTorch's valid ranges. A failed
// check throws ValueError naming the optimizer, the hyperparameter, its value and the range.
#pragma once
#include <string>

#include "descent/optim/optimizer.hpp"

namespace descent::optim {

// lo <= options[key]
void require_at_least(const std::string& optimizer, const Options& options, const std::string& key, double lo);
// lo <= options[key] < hi
void require_in(const std::string& optimizer, const Options& options, const std::string& key, double lo, double hi);
// lo < options[key] <= hi (when lo_open) or lo <= options[key] <= hi
void require_in_closed(const std::string& optimizer, const Options& options, const std::string& key, double lo,
                       double hi, bool lo_open = false);
// options[key] is 0 or 1
void require_flag(const std::string& optimizer, const Options& options, const std::string& key);
// Throws ValueError(optimizer + ": " + message) unless ok.
void require(bool ok, const std::string& optimizer, const std::string& message);

}  // namespace descent::optim
