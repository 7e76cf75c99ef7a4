// softmax and log_softmax along a dim, max-subtracted so logits of +-1e4 stay finite:
//   log_softmax(x)_i = x_i - m - log(sum_j exp(x_j - m)),  m = max_j x_j.
#include <cmath>

#include "descent/ops/ops.hpp"
#include "descent/tensor/node.hpp"

namespace descent {
namespace {

// Runs f(row_in, row_out, n) over every row along `dim` (moved last, contiguous).
template <class T, class F>
Tensor along_rows(const Tensor& a, int d, F f) {
  const Tensor moved = a.transpose(d, a.dim() - 1).contiguous();
  Tensor out = Tensor::empty(moved.shape(), a.dtype());
  const int64_t n = moved.shape()[moved.dim() - 1];
  const int64_t rows = n == 0 ? 0 : moved.numel() / n;
  const T* p = moved.template data<T>();
  T* o = out.template data<T>();
#pragma omp parallel for schedule(static) if (rows * n >= 1 << 15)
  for (int64_t r = 0; r < rows; ++r) f(p + r * n, o + r * n, n);
  return out.transpose(d, a.dim() - 1);
}

// The row's max, or 0 when it is not finite (all -inf, or an inf): then the arithmetic
// below gives nan/-inf as torch does.
template <class T>
T row_max(const T* x, int64_t n) {
  T m = -INFINITY;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, x[i]);
  return std::isfinite(m) ? m : T(0);
}

// y = (x - m) - log(sum exp(x - m)): x - m first, so logits of 1e4 lose no digits.
template <class T>
void log_softmax_row(const T* x, T* y, int64_t n) {
  const T m = row_max(x, n);
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) s += std::exp(static_cast<double>(x[i] - m));
  const T log_s = static_cast<T>(std::log(s));
  for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) - log_s;
}

// y = exp(x - m) / sum exp(x - m).
template <class T>
void softmax_row(const T* x, T* y, int64_t n) {
  const T m = row_max(x, n);
  double s = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    y[i] = std::exp(x[i] - m);
    s += static_cast<double>(y[i]);
  }
  const T inv = static_cast<T>(1.0 / s);
  for (int64_t i = 0; i < n; ++i) y[i] *= inv;
}

// op (softmax or log_softmax) of a along dim: row(x, y, n) makes each row, and
// backward(node, out, d, g) sends the gradient back from the detached output.
template <class Row, class Backward>
Tensor along_dim(const char* op, const Tensor& a, int dim, Row row, Backward backward) {
  check_floating(a.dtype(), op);
  if (a.dim() == 0) return along_dim(op, a.reshape(Shape{1}), 0, row, backward).reshape(Shape{});
  const int d = normalize_dim(dim, a.dim(), op);
  Tensor out = dispatch(a.dtype(), [&]<class T>() { return along_rows<T>(a, d, row); });
  if (!any_requires_grad({a})) return out;
  return record(out, op, {a}, [out = out.detach(), d, backward](Node& n, const Tensor& g) { backward(n, out, d, g); });
}

}  // namespace

Tensor log_softmax(const Tensor& a, int dim) {
  auto row = [](const auto* x, auto* y, int64_t n) { log_softmax_row(x, y, n); };
  return along_dim("log_softmax", a, dim, row, [](Node& n, const Tensor& out, int d, const Tensor& g) {
    // d/dx: g - softmax * sum(g)
    NoGradGuard guard;
    n.accumulate(0, sub(g, mul(exp(out), sum(g, {d}, true))));
  });
}

Tensor softmax(const Tensor& a, int dim) {
  auto row = [](const auto* x, auto* y, int64_t n) { softmax_row(x, y, n); };
  return along_dim("softmax", a, dim, row, [](Node& n, const Tensor& out, int d, const Tensor& g) {
    // d/dx: s * (g - sum(g * s))
    n.accumulate(0, mul(out, sub(g, sum(mul(g, out), {d}, true))));
  });
}

// ---- Tensor methods ----
Tensor Tensor::softmax(int dim) const { return descent::softmax(*this, dim); }
Tensor Tensor::log_softmax(int dim) const { return descent::log_softmax(*this, dim); }

}  // namespace descent
