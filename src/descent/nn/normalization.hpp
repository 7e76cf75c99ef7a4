// Normalization layers, as torch.nn.BatchNorm1d (Ioffe & Szegedy 2015) and torch.nn.LayerNorm
// (Ba et al. 2016). Both are composed of differentiable ops, so autograd gives their backward.
#pragma once
#include "descent/nn/module.hpp"

namespace descent {

// Input (N, C). Training: normalize with the batch mean and biased variance, and update the
// running estimates with momentum (running = (1 - m) running + m batch; the running variance
// uses the unbiased batch variance). Evaluation: normalize with the running estimates.
class BatchNorm1d : public Module {
 public:
  explicit BatchNorm1d(int64_t num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true,
                       DType dtype = DType::f32);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Tensor weight, bias;                  // (C), when affine
  Tensor running_mean, running_var;     // (C) buffers
  Tensor num_batches_tracked;           // () buffer
  int64_t num_features;
  double eps, momentum;
};

// Normalizes over the last dim (size normalized_shape) with the biased variance, then
// scales and shifts elementwise.
class LayerNorm : public Module {
 public:
  explicit LayerNorm(int64_t normalized_shape, double eps = 1e-5, bool elementwise_affine = true,
                     DType dtype = DType::f32);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Tensor weight, bias;  // (D), when elementwise_affine
  int64_t normalized_shape;
  double eps;
};

}  // namespace descent
