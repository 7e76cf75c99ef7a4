// Fetching a parameter's gradient for an update, with the checks a user can trip.
#include "descent/optim/fused.hpp"

namespace descent::optim {

Tensor gradient_of(const std::string& optimizer, const Tensor& param) {
  Tensor grad = param.grad();
  if (!grad.defined()) return grad;
  if (grad.dtype() != param.dtype() || !(grad.shape() == param.shape()))
    throw ShapeError(optimizer + ": gradient of shape " + grad.shape().str() + " (" +
                     std::string(dtype_name(grad.dtype())) + ") for a parameter of shape " + param.shape().str() +
                     " (" + std::string(dtype_name(param.dtype())) + ")");
  return grad.contiguous();
}

}  // namespace descent::optim
