// Normalization layers, as torch.nn.BatchNorm1d (Ioffe & Szegedy 2015) and torch.nn.LayerNorm
// (Ba et al. 2016). Both are composed of differentiable ops, so autograd gives their backward.
#pragma once
#include <optional>

#include "descent/nn/module.hpp"

namespace descent {

// What BatchNorm1d and BatchNorm2d share, as torch.nn's _NormBase: the parameters and buffers
// of C channels, registered in torch's order and with its initial values.
class NormBase : public Module {
 public:
  Tensor weight, bias;               // (C) parameters, when affine (ones and zeros at first)
  Tensor running_mean, running_var;  // (C) buffers, when track_running_stats (zeros and ones at first)
  Tensor num_batches_tracked;        // () buffer, when track_running_stats
  int64_t num_features;
  double eps;

 protected:
  // ValueError naming `layer` unless num_features is positive.
  NormBase(const char* layer, int64_t num_features, double eps, bool affine, bool track_running_stats, DType dtype);
};

// Input (N, C). Training: normalize with the batch mean and biased variance, and update the
// running estimates with momentum (running = (1 - m) running + m batch; the running variance
// uses the unbiased batch variance), or with the cumulative average (m = 1 / num_batches_tracked)
// when momentum is nullopt (torch's None). Evaluation: normalize with the running estimates.
class BatchNorm1d : public NormBase {
 public:
  explicit BatchNorm1d(int64_t num_features, double eps = 1e-5, std::optional<double> momentum = 0.1,
                       bool affine = true, DType dtype = DType::f32);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  std::optional<double> momentum;
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
