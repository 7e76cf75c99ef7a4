// clip_grad_norm_ and clip_grad_value_, following torch/nn/utils/clip_grad.py (PyTorch 1.13):
// the per-tensor norms are combined as a norm of norms, and the gradients are multiplied by
// the clamped coefficient (a no-op multiply by 1 when under the limit, as there).
#include "descent/optim/clip.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "descent/optim/fused.hpp"

namespace descent::optim {

namespace {

// The p-norm (or max-norm) of one contiguous gradient, accumulated in double.
double tensor_norm(const Tensor& g, double p) {
  return dispatch(g.dtype(), [&]<class T>() {
    const T* x = g.data<T>();
    const int64_t n = g.numel();
    if (std::isinf(p)) {
      double m = 0.0;
      for (int64_t i = 0; i < n; ++i) m = std::max(m, std::abs(double(x[i])));
      return m;
    }
    if (p == 2.0) return std::sqrt(sum_over_elements(n, [=](int64_t i) { return double(x[i]) * double(x[i]); }));
    if (p == 1.0) return sum_over_elements(n, [=](int64_t i) { return std::abs(double(x[i])); });
    return std::pow(sum_over_elements(n, [=](int64_t i) { return std::pow(std::abs(double(x[i])), p); }), 1.0 / p);
  });
}

}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type, bool error_if_nonfinite) {
  if (!(norm_type > 0.0))
    throw ValueError("clip_grad_norm_: norm_type = " + std::to_string(norm_type) + " (expected > 0 or inf)");
  if (!(max_norm >= 0.0))
    throw ValueError("clip_grad_norm_: max_norm = " + std::to_string(max_norm) + " (expected >= 0)");
  std::vector<Tensor> grads;
  for (const Tensor& p : params)
    if (p.grad().defined()) grads.push_back(p.grad().contiguous());
  if (grads.empty()) return 0.0;

  double total = 0.0;
  if (std::isinf(norm_type)) {
    for (const Tensor& g : grads) total = std::max(total, tensor_norm(g, norm_type));
  } else {
    for (const Tensor& g : grads) total += std::pow(tensor_norm(g, norm_type), norm_type);
    total = std::pow(total, 1.0 / norm_type);
  }
  if (error_if_nonfinite && !std::isfinite(total)) {
    std::ostringstream msg;
    msg << "clip_grad_norm_: the total norm of order " << norm_type << " of the gradients of " << grads.size()
        << " parameters is " << total << "; pass error_if_nonfinite = false to clip anyway";
    throw ValueError(msg.str());
  }
  const double coef = std::min(max_norm / (total + 1e-6), 1.0);
  for (std::size_t i = 0; i < params.size(); ++i) {
    Tensor g = params[i].grad();
    if (!g.defined()) continue;
    if (!g.is_contiguous()) {
      Tensor scaled = g.contiguous();
      scaled.mul_(coef);
      g.copy_(scaled);
    } else {
      g.mul_(coef);
    }
  }
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  if (!(clip_value >= 0.0))
    throw ValueError("clip_grad_value_: clip_value = " + std::to_string(clip_value) + " (expected >= 0)");
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (!g.is_contiguous())
      throw ValueError("clip_grad_value_: gradient of shape " + g.shape().str() + " is not contiguous");
    dispatch(g.dtype(), [&]<class T>() {
      T* x = g.data<T>();
      const T hi = T(clip_value), lo = -hi;
      for_each_element(g.numel(), [=](int64_t i) { x[i] = std::clamp(x[i], lo, hi); });
    });
  }
}

}  // namespace descent::optim
