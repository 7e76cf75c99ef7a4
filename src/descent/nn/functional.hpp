// Functions with state-free forms that layers wrap: dropout.
#pragma once
#include "descent/core/rng.hpp"
#include "descent/tensor/tensor.hpp"

namespace descent {

// Inverted dropout (Srivastava et al. 2014, §2): in training, each element
// is kept with probability 1-p and scaled by 1/(1-p), so evaluation is the identity.
Tensor dropout(const Tensor& x, double p, bool training, Generator* gen = nullptr);

}  // namespace descent
