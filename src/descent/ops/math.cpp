// Elementwise math, forward beside backward. Each backward is the derivative written out,
// multiplied by the incoming gradient (the chain rule; Goodfellow et al., Deep Learning, §6.5.2).
#include <cmath>

#include "descent/kernels/vmath.hpp"
#include "descent/ops/ops.hpp"
#include "descent/ops/pointwise.hpp"
#include "descent/tensor/elementwise.hpp"
#include "descent/tensor/node.hpp"

namespace descent {

Tensor pow(const Tensor& a, double p) {
  Tensor out =
      pointwise(a, "pow", [p](auto x) { return static_cast<decltype(x)>(std::pow(x, static_cast<decltype(x)>(p))); });
  if (!any_requires_grad({a})) return out;
  return record(out, "pow", {a}, [a = a.detach(), p](Node& n, const Tensor& g) {
    // d(x^p)/dx = p x^(p-1); 0 when p == 0, as torch.
    n.accumulate(0, times_derivative(g, a, [p](auto x) {
                   using T = decltype(x);
                   return p == 0.0 ? T(0) : static_cast<T>(p) * static_cast<T>(std::pow(x, static_cast<T>(p - 1.0)));
                 }));
  });
}

Tensor square(const Tensor& a) {
  Tensor out = pointwise(a, "square", [](auto x) { return x * x; });
  if (!any_requires_grad({a})) return out;
  return record(out, "square", {a}, [a = a.detach()](Node& n, const Tensor& g) {
    n.accumulate(0, times_derivative(g, a, [](auto x) { return 2 * x; }));
  });
}

Tensor sqrt(const Tensor& a) {
  Tensor out = pointwise(a, "sqrt", [](auto x) { return std::sqrt(x); });
  if (!any_requires_grad({a})) return out;
  return record(out, "sqrt", {a}, [out = out.detach()](Node& n, const Tensor& g) {
    n.accumulate(0, times_derivative(g, out, [](auto y) { return 1 / (2 * y); }));  // 1 / (2 sqrt(x))
  });
}

Tensor exp(const Tensor& a) {
  Tensor out = pointwise(a, "exp", [](auto x) { return kernels::exp(x); });
  if (!any_requires_grad({a})) return out;
  return record(out, "exp", {a}, [out = out.detach()](Node& n, const Tensor& g) { n.accumulate(0, mul(g, out)); });
}

Tensor log(const Tensor& a) {
  Tensor out = pointwise(a, "log", [](auto x) { return std::log(x); });
  if (!any_requires_grad({a})) return out;
  return record(out, "log", {a}, [a = a.detach()](Node& n, const Tensor& g) { n.accumulate(0, div(g, a)); });
}

Tensor abs(const Tensor& a) {
  Tensor out = pointwise(a, "abs", [](auto x) { return std::abs(x); });
  if (!any_requires_grad({a})) return out;
  return record(out, "abs", {a}, [a = a.detach()](Node& n, const Tensor& g) {
    n.accumulate(0, times_derivative(g, a, [](auto x) { return static_cast<decltype(x)>((x > 0) - (x < 0)); }));
  });
}

Tensor clamp(const Tensor& a, std::optional<double> lo, std::optional<double> hi) {
  if (lo && hi && *lo > *hi)
    throw ValueError("clamp: min " + format_number(*lo) + " is greater than max " + format_number(*hi));
  const double l = lo.value_or(-INFINITY), h = hi.value_or(INFINITY);
  Tensor out = pointwise(a, "clamp", [l, h](auto x) {
    using T = decltype(x);
    return x != x ? x : std::min(std::max(x, static_cast<T>(l)), static_cast<T>(h));
  });
  if (!any_requires_grad({a})) return out;
  // The gradient passes where min <= x <= max, as torch.
  return record(out, "clamp", {a}, [a = a.detach(), l, h](Node& n, const Tensor& g) {
    n.accumulate(0, gradient_where(g, a, [l, h](auto x) { return x >= l && x <= h; }));
  });
}

// ---- Tensor methods ----
Tensor Tensor::pow(double exponent) const { return descent::pow(*this, exponent); }
Tensor Tensor::square() const { return descent::square(*this); }
Tensor Tensor::sqrt() const { return descent::sqrt(*this); }
Tensor Tensor::exp() const { return descent::exp(*this); }
Tensor Tensor::log() const { return descent::log(*this); }
Tensor Tensor::abs() const { return descent::abs(*this); }
Tensor Tensor::clamp(std::optional<double> min, std::optional<double> max) const {
  return descent::clamp(*this, min, max);
}
Tensor Tensor::clamp_min(double min) const { return descent::clamp(*this, min, std::nullopt); }
Tensor Tensor::clamp_max(double max) const { return descent::clamp(*this, std::nullopt, max); }

}  // namespace descent
