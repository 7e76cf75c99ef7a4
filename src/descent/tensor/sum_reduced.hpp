// A sum over chosen dims, without autograd: the kernel under ops' sum and under the backward
// walk's reduction of broadcast gradients (as torch's sum_to_size). Float32 accumulates in
// double (kernels/reduce.hpp).
#pragma once
#include <vector>

#include "descent/tensor/tensor.hpp"

namespace descent {

// `a` summed over the dims where reduced[d] is true, shaped `keep_shape` (a's shape with
// those dims set to 1).
Tensor sum_reduced(const Tensor& a, const std::vector<bool>& reduced, const Shape& keep_shape);

}  // namespace descent
