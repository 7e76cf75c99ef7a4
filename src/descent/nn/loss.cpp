// Losses. Cross-entropy is one fused op (log-softmax, pick, reduce) for speed and
// stability; the others are composed of differentiable ops.
#include "descent/nn/loss.hpp"

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

// Class indices of a (N) target for (N, C) scores, checked.
std::vector<int64_t> class_targets(const Tensor& scores, const Tensor& target, const char* op) {
  if (scores.dim() != 2)
    throw ShapeError(std::string(op) + ": expected (N, C) scores, got shape " + scores.shape().str());
  if (target.dim() != 1 || target.shape()[0] != scores.shape()[0])
    throw ShapeError(std::string(op) + ": target of shape " + target.shape().str() + " does not match scores " +
                     scores.shape().str() + " (expected [" + std::to_string(scores.shape()[0]) + "])");
  const int64_t c = scores.shape()[1];
  std::vector<int64_t> y(static_cast<std::size_t>(target.numel()));
  dispatch(target.dtype(), [&]<class T>() {
    const Tensor t = target.contiguous();
    const T* p = t.data<T>();
    for (std::size_t i = 0; i < y.size(); ++i) {
      const T v = p[i];
      if (!(v >= 0 && v < static_cast<T>(c)) || v != std::floor(v))
        throw ShapeError(std::string(op) + ": target " + std::to_string(static_cast<double>(v)) + " at position " +
                         std::to_string(i) + " is not a class index in [0, " + std::to_string(c) + ")");
      y[i] = static_cast<int64_t>(v);
    }
  });
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

Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction r) {
  const std::vector<int64_t> y = class_targets(logits, target, "cross_entropy");
  const int64_t n = logits.shape()[0], c = logits.shape()[1];
  const Tensor x = logits.contiguous();
  Tensor log_probs = Tensor::empty(Shape{n, c}, x.dtype());  // kept for backward
  Tensor losses = Tensor::empty(Shape{n}, x.dtype());
  dispatch(x.dtype(), [&]<class T>() {
    const T* px = x.data<T>();
    T* lp = log_probs.data<T>();
    T* l = losses.data<T>();
    for (int64_t i = 0; i < n; ++i) {
      const T* row = px + i * c;
      T m = row[0];
      for (int64_t k = 1; k < c; ++k) m = std::max(m, row[k]);
      double s = 0.0;  // e^(x - m) in T (float: kernels::exp, within 1.02 ulp), summed in double
      for (int64_t k = 0; k < c; ++k) s += static_cast<double>(kernels::exp(row[k] - m));
      const T lse = m + static_cast<T>(std::log(s));
      for (int64_t k = 0; k < c; ++k) lp[i * c + k] = row[k] - lse;
      l[i] = -lp[i * c + y[static_cast<std::size_t>(i)]];
    }
  });
  // The reduction in place, as sum() and mean() compute it (sum_lmr's double accumulation,
  // then times 1/N in T), without two more ops per step.
  Tensor out = losses;
  if (r != Reduction::none) {
    out = Tensor::empty(Shape{}, x.dtype());
    dispatch(x.dtype(), [&]<class T>() {
      T* o = out.data<T>();
      kernels::sum_lmr(losses.data<T>(), n, 1, 1, o);
      if (r == Reduction::mean) *o = *o * static_cast<T>(1.0 / static_cast<double>(n));
    });
  }
  if (!any_requires_grad({logits})) return out;
  return record(out, "cross_entropy", {logits}, [log_probs, y, r, n, c](Node& node, const Tensor& g) {
    // d/dx_ik = g_i (softmax_ik - [k == y_i]); g_i = g (sum), g/N (mean), g_i (none)
    Tensor grad = Tensor::empty(Shape{n, c}, log_probs.dtype());
    const Tensor gc = g.contiguous();
    dispatch(grad.dtype(), [&]<class T>() {
      const T* lp = log_probs.data<T>();
      const T* pg = gc.data<T>();
      T* o = grad.data<T>();
      for (int64_t i = 0; i < n; ++i) {
        const T gi = r == Reduction::none ? pg[i] : r == Reduction::sum ? pg[0] : pg[0] / static_cast<T>(n);
        for (int64_t k = 0; k < c; ++k) o[i * c + k] = gi * kernels::exp(lp[i * c + k]);
        o[i * c + y[static_cast<std::size_t>(i)]] -= gi;
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

Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target, Reduction r) {
  check_same_shape(logits, target, "binary_cross_entropy_with_logits");
  // relu(x) - x t + softplus(-|x|)
  const Tensor losses = add(sub(relu(logits), mul(logits, target)), softplus(neg(abs(logits))));
  return reduce(losses, r);
}

Tensor l2_penalty(const std::vector<Tensor>& params, double lambda) {
  if (params.empty()) throw ValueError("l2_penalty: no parameters given");
  Tensor total = sum(square(params[0]));
  for (std::size_t i = 1; i < params.size(); ++i) total = add(total, sum(square(params[i])));
  return mul(total, lambda / 2.0);
}

}  // namespace descent
