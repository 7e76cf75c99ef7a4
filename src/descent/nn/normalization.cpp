// BatchNorm1d and LayerNorm from primitive ops, and the parameters BatchNorm1d and BatchNorm2d share.
#include "descent/nn/normalization.hpp"

#include <sstream>

#include "descent/ops/ops.hpp"
#include "descent/tensor/grad_mode.hpp"

namespace descent {

NormBase::NormBase(const char* layer, int64_t c, double e, bool affine, bool track_running_stats, DType dtype)
    : num_features(c), eps(e) {
  if (c <= 0) throw ValueError(std::string(layer) + ": num_features must be positive, got " + std::to_string(c));
  if (affine) {
    weight = register_parameter("weight", Tensor::ones(Shape{c}, dtype));
    bias = register_parameter("bias", Tensor::zeros(Shape{c}, dtype));
  }
  if (track_running_stats) {
    running_mean = register_buffer("running_mean", Tensor::zeros(Shape{c}, dtype));
    running_var = register_buffer("running_var", Tensor::ones(Shape{c}, dtype));
    num_batches_tracked = register_buffer("num_batches_tracked", Tensor::zeros(Shape{}, dtype));
  }
}

BatchNorm1d::BatchNorm1d(int64_t c, double e, std::optional<double> m, bool affine, DType dtype)
    : NormBase("BatchNorm1d", c, e, affine, /*track_running_stats=*/true, dtype), momentum(m) {}

Tensor BatchNorm1d::forward(const Tensor& x) {
  if (x.dim() != 2 || x.shape()[1] != num_features)
    throw ShapeError("BatchNorm1d: expected input of shape [N, " + std::to_string(num_features) + "], got " +
                     x.shape().str());
  Tensor mean_, var_;
  if (is_training()) {
    const int64_t n = x.shape()[0];
    if (n < 2)
      throw ShapeError("BatchNorm1d: training needs more than 1 value per channel, got input " + x.shape().str());
    mean_ = mean(x, {0});
    var_ = mean(square(sub(x, mean_)), {0});  // biased, for normalizing
    NoGradGuard guard;
    num_batches_tracked.add_(Tensor::ones(Shape{}, num_batches_tracked.dtype()));
    const double factor = momentum ? *momentum : 1.0 / num_batches_tracked.item();  // None: cumulative average
    const double unbias = static_cast<double>(n) / static_cast<double>(n - 1);
    running_mean.mul_(1.0 - factor).add_(mean_.detach(), factor);
    running_var.mul_(1.0 - factor).add_(var_.detach(), factor * unbias);
  } else {
    mean_ = running_mean;
    var_ = running_var;
  }
  Tensor y = div(sub(x, mean_), sqrt(add(var_, eps)));
  if (weight.defined()) y = add(mul(y, weight), bias);
  return y;
}

std::string BatchNorm1d::extra_repr() const {
  std::ostringstream e;
  e << num_features << ", eps=" << eps << ", momentum=";
  if (momentum)
    e << *momentum;
  else
    e << "none";
  e << ", affine=" << (weight.defined() ? "true" : "false");
  return e.str();
}

LayerNorm::LayerNorm(int64_t d, double e, bool affine, DType dtype) : normalized_shape(d), eps(e) {
  if (d <= 0) throw ValueError("LayerNorm: normalized_shape must be positive, got " + std::to_string(d));
  if (affine) {
    weight = register_parameter("weight", Tensor::ones(Shape{d}, dtype));
    bias = register_parameter("bias", Tensor::zeros(Shape{d}, dtype));
  }
}

Tensor LayerNorm::forward(const Tensor& x) {
  if (x.dim() == 0 || x.shape()[x.dim() - 1] != normalized_shape)
    throw ShapeError("LayerNorm: expected input with last dim " + std::to_string(normalized_shape) + ", got " +
                     x.shape().str());
  const Tensor mu = mean(x, {-1}, true);
  const Tensor centered = sub(x, mu);
  const Tensor var = mean(square(centered), {-1}, true);
  Tensor y = div(centered, sqrt(add(var, eps)));
  if (weight.defined()) y = add(mul(y, weight), bias);
  return y;
}

std::string LayerNorm::extra_repr() const {
  std::ostringstream e;
  e << "(" << normalized_shape << "), eps=" << eps << ", elementwise_affine=" << (weight.defined() ? "true" : "false");
  return e.str();
}

}  // namespace descent
