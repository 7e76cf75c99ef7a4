// Gradient clipping as torch.nn.utils does it, applied between backward() and step().
#pragma once
#include <limits>
#include <vector>

#include "descent/tensor/tensor.hpp"

namespace descent::optim {

inline constexpr double kInfNorm = std::numeric_limits<double>::infinity();

// Scales every gradient by min(1, max_norm/(total_norm + 1e-6)), where total_norm is the
// norm_type-norm of all gradients together (the norm of the per-tensor norms; norm_type > 0
// or kInfNorm). Returns total_norm. Parameters without a gradient are skipped (0 when none
// has one). With error_if_nonfinite, a NaN or infinite total norm throws ValueError and no
// gradient is changed.
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

// Clamps every gradient element to [−clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);

}  // namespace descent::optim

namespace descent {
// torch.nn.utils keeps these outside torch.optim; they are reachable as descent:: too.
using optim::clip_grad_norm_;
using optim::clip_grad_value_;
}  // namespace descent
