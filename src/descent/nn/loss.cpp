// Losses. Cross-entropy (log-softmax, pick, reduce) and binary cross-entropy on logits are
// fused ops, forward beside backward, for speed and stability; the others are composed of
// differentiable ops.
#include "descent/nn/loss.hpp"

#include <algorithm>
#include <cmath>

#include "descent/kernels/reduce.hpp"
#include "descent/kernels/vmath.hpp"
#include "descent/ops/ops.hpp"
#include "descent/tensor/node.hpp"

namespace descent {

Reduction parse_reduction(const std::string& name) {
  if (name == "none") return Reduction::none;
  if (name == "mean") return Reduction::mean;
  if (name == "sum") return Reduction::sum;
  throw ValueError("unknown reduction '" + name + "' (expected none, mean or sum)");
}

namespace {

Tensor reduce(const Tensor& losses, Reduction r) {
  switch (r) {
    case Reduction::none: return losses;
    case Reduction::sum: return sum(losses);
    case Reduction::mean: break;
  }
  return mean(losses);
}

void check_same_shape(const Tensor& input, const Tensor& target, const char* op) {
  if (!(input.shape() == target.shape()))
    throw ShapeError(std::string(op) + ": input of shape " + input.shape().str() + " and target of shape " +
                     target.shape().str() + " differ; they must match");
}

// Class indices of an int64 (N) target for (N, C) scores, checked. A float target of class
// indices is refused, as torch refuses it ("expected scalar type Long"); `hint` ends that line.
std::vector<int64_t> class_targets(const Tensor& scores, const Tensor& target, const char* op,
                                   const std::string& hint = "") {
  if (scores.dim() != 2)
    throw ShapeError(std::string(op) + ": expected (N, C) scores, got shape " + scores.shape().str());
  if (target.dim() != 1 || target.shape()[0] != scores.shape()[0])
    throw ShapeError(std::string(op) + ": target of shape " + target.shape().str() + " does not match scores " +
                     scores.shape().str() + " (expected [" + std::to_string(scores.shape()[0]) + "])");
  if (target.dtype() != DType::i64)
    throw ShapeError(std::string(op) + ": class targets must be int64, got " + std::string(dtype_name(target.dtype())) +
                     "; convert them with .to(DType::i64)" + hint);
  const int64_t c = scores.shape()[1];
  std::vector<int64_t> y = target.int64_values();
  for (std::size_t i = 0; i < y.size(); ++i)
    if (y[i] < 0 || y[i] >= c)
      throw ShapeError(std::string(op) + ": target " + std::to_string(y[i]) + " at position " + std::to_string(i) +
                       " is not a class index in [0, " + std::to_string(c) + ")");
  return y;
}

}  // namespace

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction r) {
  check_same_shape(input, target, "mse_loss");
  return reduce(square(sub(input, target)), r);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction r) {
  check_same_shape(input, target, "l1_loss");
  return reduce(abs(sub(input, target)), r);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, double delta, Reduction r) {
  check_same_shape(input, target, "huber_loss");
  if (!(delta > 0)) throw ValueError("huber_loss: delta must be positive, got " + std::to_string(delta));
  // Split |d| into its quadratic part (up to delta) and the linear rest.
  const Tensor ad = abs(sub(input, target));
  const Tensor quadratic = clamp(ad, std::nullopt, delta);
  const Tensor linear_part = sub(ad, quadratic);
  return reduce(add(mul(square(quadratic), 0.5), mul(linear_part, delta)), r);
}

namespace {

// The reduction in place, as sum() and mean() compute it (sum_lmr's double accumulation, then
// times 1/N in T), without two more ops per step.
Tensor reduce_in_place(const Tensor& losses, Reduction r) {
  if (r == Reduction::none) return losses;
  Tensor out = Tensor::empty(Shape{}, losses.dtype());
  const int64_t n = losses.numel();
  dispatch(losses.dtype(), [&]<class T>() {
    T* o = out.data<T>();
    kernels::sum_lmr(losses.data<T>(), n, 1, 1, o);
    if (r == Reduction::mean) *o = *o * static_cast<T>(1.0 / static_cast<double>(n));
  });
  return out;
}

// The factor each element's gradient takes from the reduced output's gradient g: g_i (none),
// g (sum), g / N (mean).
template <class T>
T reduced_gradient(const T* g, int64_t i, Reduction r, int64_t n) {
  return r == Reduction::none ? g[i] : r == Reduction::sum ? g[0] : g[0] / static_cast<T>(n);
}

// torch's cross_entropy with class probabilities t (N, C) (torch >= 1.10): per row
// -sum_k t'_k log softmax(x)_k with t' = (1 - e) t + e / C, the mean over rows by default.
// Composed of differentiable ops, so the gradient reaches the logits and the probabilities.
Tensor cross_entropy_with_probabilities(const Tensor& logits, const Tensor& target, Reduction r,
                                        double label_smoothing) {
  check_same_dtype(logits, target, "cross_entropy");
  const double classes = static_cast<double>(logits.shape()[1]);
  const Tensor smoothed =
      label_smoothing == 0.0 ? target : add(mul(target, 1.0 - label_smoothing), label_smoothing / classes);
  return reduce(neg(sum(mul(smoothed, log_softmax(logits, 1)), {1})), r);
}

}  // namespace

Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction r, double label_smoothing) {
  if (!(label_smoothing >= 0.0 && label_smoothing < 1.0))
    throw ValueError("cross_entropy: label_smoothing must be in [0, 1), got " + std::to_string(label_smoothing));
  if (logits.dim() == 2 && is_floating(target.dtype()) && target.shape() == logits.shape())
    return cross_entropy_with_probabilities(logits, target, r, label_smoothing);
  const std::vector<int64_t> y =
      class_targets(logits, target, "cross_entropy", " (a float target of the scores' shape is class probabilities)");
  const int64_t n = logits.shape()[0], c = logits.shape()[1];
  const Tensor x = logits.contiguous();
  Tensor log_probs = Tensor::empty(Shape{n, c}, x.dtype());  // kept for backward
  Tensor losses = Tensor::empty(Shape{n}, x.dtype());
  dispatch(x.dtype(), [&]<class T>() {
    const T* px = x.data<T>();
    T* lp = log_probs.data<T>();
    T* l = losses.data<T>();
    const auto smoothing = static_cast<T>(label_smoothing);
    for (int64_t i = 0; i < n; ++i) {
      const T* row = px + i * c;
      T m = row[0];
      for (int64_t k = 1; k < c; ++k) m = std::max(m, row[k]);
      double s = 0.0;  // e^(x - m) in T (float: kernels::exp, within 1.02 ulp), summed in double
      for (int64_t k = 0; k < c; ++k) s += static_cast<double>(kernels::exp(row[k] - m));
      const T lse = m + static_cast<T>(std::log(s));
      for (int64_t k = 0; k < c; ++k) lp[i * c + k] = row[k] - lse;
      l[i] = -lp[i * c + y[static_cast<std::size_t>(i)]];
      if (label_smoothing == 0.0) continue;
      // torch.nn.CrossEntropyLoss(label_smoothing=e): (1 - e) NLL + e mean_k(-log p_k)
      double uniform = 0.0;
      for (int64_t k = 0; k < c; ++k) uniform -= static_cast<double>(lp[i * c + k]);
      l[i] = (1 - smoothing) * l[i] + smoothing * static_cast<T>(uniform / static_cast<double>(c));
    }
  });
  const Tensor out = reduce_in_place(losses, r);
  if (!any_requires_grad({logits})) return out;
  return record(out, "cross_entropy", {logits}, [log_probs, y, r, n, c, label_smoothing](Node& node, const Tensor& g) {
    // d/dx_ik = g_i (softmax_ik - (1 - e) [k == y_i] - e / C); g_i = g (sum), g/N (mean), g_i (none)
    Tensor grad = Tensor::empty(Shape{n, c}, log_probs.dtype());
    const Tensor gc = g.contiguous();
    dispatch(grad.dtype(), [&]<class T>() {
      const T* lp = log_probs.data<T>();
      const T* pg = gc.data<T>();
      T* o = grad.data<T>();
      const auto smoothing = static_cast<T>(label_smoothing);
      for (int64_t i = 0; i < n; ++i) {
        const T gi = reduced_gradient(pg, i, r, n);
        const std::size_t target_index = static_cast<std::size_t>(i * c + y[static_cast<std::size_t>(i)]);
        if (label_smoothing == 0.0) {
          for (int64_t k = 0; k < c; ++k) o[i * c + k] = gi * kernels::exp(lp[i * c + k]);
          o[target_index] -= gi;
          continue;
        }
        const T uniform = smoothing / static_cast<T>(c);
        for (int64_t k = 0; k < c; ++k) o[i * c + k] = gi * (kernels::exp(lp[i * c + k]) - uniform);
        o[target_index] -= gi * (1 - smoothing);
      }
    });
    node.accumulate(0, grad);
  });
}

Tensor nll_loss(const Tensor& log_probs, const Tensor& target, Reduction r) {
  class_targets(log_probs, target, "nll_loss");
  const Tensor index = target.reshape(Shape{-1, 1});
  return reduce(neg(gather(log_probs, 1, index).reshape(Shape{-1})), r);
}

// F.binary_cross_entropy_with_logits: per element max(x, 0) - x t + log(1 + e^-|x|), the stable
// form of -(t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))); its gradient is sigmoid(x) - t for
// the logits and -x for the targets (also at x = 0, where relu and |x| have no derivative).
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target, Reduction r) {
  check_same_shape(logits, target, "binary_cross_entropy_with_logits");
  if (logits.dtype() != target.dtype())
    throw ShapeError("binary_cross_entropy_with_logits: logits and targets must have one dtype");
  const Tensor x = logits.contiguous(), t = target.contiguous();
  const int64_t n = x.numel();
  Tensor losses = Tensor::empty(x.shape(), x.dtype());  // x, t: any shape; losses the same
  dispatch(x.dtype(), [&]<class T>() {
    const T* px = x.data<T>();
    const T* pt = t.data<T>();
    T* l = losses.data<T>();
    for (int64_t i = 0; i < n; ++i)
      l[i] = std::max(px[i], T(0)) - px[i] * pt[i] + std::log1p(std::exp(-std::abs(px[i])));
  });
  const Tensor out = reduce_in_place(losses, r);
  if (!any_requires_grad({logits, target})) return out;
  return record(out, "binary_cross_entropy_with_logits", {logits, target}, [x, t, r, n](Node& node, const Tensor& g) {
    Tensor grad_x = Tensor::empty(x.shape(), x.dtype()), grad_t = Tensor::empty(x.shape(), x.dtype());
    const Tensor gc = g.contiguous();
    dispatch(x.dtype(), [&]<class T>() {
      const T* px = x.data<T>();
      const T* pt = t.data<T>();
      const T* pg = gc.data<T>();
      T* ox = grad_x.data<T>();
      T* ot = grad_t.data<T>();
      for (int64_t i = 0; i < n; ++i) {
        const T gi = reduced_gradient(pg, i, r, n);
        ox[i] = gi * (T(1) / (T(1) + std::exp(-px[i])) - pt[i]);
        ot[i] = -gi * px[i];
      }
    });
    if (node.needs_grad(0)) node.accumulate(0, grad_x);
    if (node.needs_grad(1)) node.accumulate(1, grad_t);
  });
}

Tensor l2_penalty(const std::vector<Tensor>& params, double lambda) {
  if (params.empty()) throw ValueError("l2_penalty: no parameters given");
  Tensor total = sum(square(params[0]));
  for (std::size_t i = 1; i < params.size(); ++i) total = add(total, sum(square(params[i])));
  return mul(total, lambda / 2.0);
}

}  // namespace descent
