// Activation functions and their derivatives, as torch.nn.functional (Goodfellow et al., Deep
// Learning, §6.3).
#include <cmath>
#include <numbers>

#include "descent/kernels/vmath.hpp"
#include "descent/ops/ops.hpp"
#include "descent/ops/pointwise.hpp"
#include "descent/tensor/elementwise.hpp"
#include "descent/tensor/node.hpp"

namespace descent {

Tensor relu(const Tensor& a) {
  // NaN passes through, as torch's clamp_min(x, 0), and so does its gradient.
  Tensor out = pointwise(a, "relu", [](auto x) { return x > 0 || x != x ? x : decltype(x)(0); });
  if (!any_requires_grad({a})) return out;
  return record(out, "relu", {a}, [out = out.detach()](Node& n, const Tensor& g) {
    n.accumulate(0, gradient_where(g, out, [](auto y) { return !(y <= 0); }));
  });
}

Tensor leaky_relu(const Tensor& a, double slope) {
  Tensor out = pointwise(a, "leaky_relu", [slope](auto x) { return x > 0 ? x : static_cast<decltype(x)>(slope) * x; });
  if (!any_requires_grad({a})) return out;
  return record(out, "leaky_relu", {a}, [a = a.detach(), slope](Node& n, const Tensor& g) {
    n.accumulate(0, times_derivative(g, a, [slope](auto x) {
                   using T = decltype(x);
                   return x > 0 ? T(1) : static_cast<T>(slope);
                 }));
  });
}

Tensor sigmoid(const Tensor& a) {
  // 1 / (1 + e^-x), as torch computes it; where e^-x overflows to inf the quotient is the
  // limit, 0. Branch-free with the vectorizable exp, so the loop runs in SIMD.
  Tensor out = pointwise(a, "sigmoid", [](auto x) {
    using T = decltype(x);
    return T(1) / (T(1) + kernels::exp(-x));
  });
  if (!any_requires_grad({a})) return out;
  return record(out, "sigmoid", {a}, [out = out.detach()](Node& n, const Tensor& g) {
    n.accumulate(0, times_derivative(g, out, [](auto s) { return s * (1 - s); }));  // s(1-s)
  });
}

Tensor tanh(const Tensor& a) {
  Tensor out = pointwise(a, "tanh", [](auto x) { return std::tanh(x); });
  if (!any_requires_grad({a})) return out;
  return record(out, "tanh", {a}, [out = out.detach()](Node& n, const Tensor& g) {
    n.accumulate(0, times_derivative(g, out, [](auto t) { return 1 - t * t; }));  // 1 - tanh^2
  });
}

// GELU's constants, at namespace scope: GCC 12 warns "set but not used" for function-local
// constexpr variables read only inside generic lambdas.
constexpr double kSqrt2OverPi = 0.7978845608028654;  // sqrt(2/pi)
constexpr double kInvSqrt2 = 0.7071067811865476;     // 1/sqrt(2)
constexpr double kInvSqrt2Pi = 0.3989422804014327;   // 1/sqrt(2 pi)

Tensor gelu(const Tensor& a, bool tanh_approximation) {
  // Hendrycks & Gimpel 2016: x Phi(x); torch's approximate='tanh' uses
  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
  Tensor out = pointwise(a, "gelu", [tanh_approximation](auto x) {
    using T = decltype(x);
    if (tanh_approximation) {
      const T inner = static_cast<T>(kSqrt2OverPi) * (x + static_cast<T>(0.044715) * x * x * x);
      return T(0.5) * x * (T(1) + std::tanh(inner));
    }
    return T(0.5) * x * (T(1) + std::erf(x * static_cast<T>(kInvSqrt2)));
  });
  if (!any_requires_grad({a})) return out;
  return record(out, "gelu", {a}, [a = a.detach(), tanh_approximation](Node& n, const Tensor& g) {
    n.accumulate(0, times_derivative(g, a, [tanh_approximation](auto x) {
                   using T = decltype(x);
                   if (tanh_approximation) {
                     const T k = static_cast<T>(kSqrt2OverPi);
                     const T inner = k * (x + static_cast<T>(0.044715) * x * x * x);
                     const T t = std::tanh(inner);
                     const T dinner = k * (T(1) + T(3) * static_cast<T>(0.044715) * x * x);
                     return T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * dinner;
                   }
                   const T cdf = T(0.5) * (T(1) + std::erf(x * static_cast<T>(kInvSqrt2)));
                   const T pdf = static_cast<T>(kInvSqrt2Pi) * std::exp(T(-0.5) * x * x);
                   return cdf + x * pdf;  // Phi(x) + x phi(x)
                 }));
  });
}

Tensor softplus(const Tensor& a, double beta, double threshold) {
  // (1/beta) log(1 + e^(beta x)); linear above the threshold, as torch.
  Tensor out = pointwise(a, "softplus", [beta, threshold](auto x) {
    using T = decltype(x);
    const T bx = static_cast<T>(beta) * x;
    return bx > static_cast<T>(threshold) ? x : std::log1p(std::exp(bx)) / static_cast<T>(beta);
  });
  if (!any_requires_grad({a})) return out;
  return record(out, "softplus", {a}, [a = a.detach(), beta, threshold](Node& n, const Tensor& g) {
    n.accumulate(0, times_derivative(g, a, [beta, threshold](auto x) {
                   using T = decltype(x);
                   const T bx = static_cast<T>(beta) * x;
                   if (bx > static_cast<T>(threshold)) return T(1);
                   const T z = std::exp(bx);
                   return z / (z + T(1));  // sigmoid(beta x)
                 }));
  });
}

// ---- Tensor methods ----
Tensor Tensor::relu() const { return descent::relu(*this); }
Tensor Tensor::sigmoid() const { return descent::sigmoid(*this); }
Tensor Tensor::tanh() const { return descent::tanh(*this); }

}  // namespace descent
