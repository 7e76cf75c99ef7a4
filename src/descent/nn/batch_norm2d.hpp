// BatchNorm2d, as torch.nn.BatchNorm2d (Ioffe & Szegedy 2015): per-channel statistics over
// (N, H, W) of an (N, C, H, W) input, through the batch_norm op of ops/conv.hpp; over the
// global batch of a data-parallel step with --sync-batch-norm (torch.nn.SyncBatchNorm).
#pragma once
#include <optional>

#include "descent/nn/normalization.hpp"

namespace descent {

// Training: normalize with the batch statistics and update the running ones with momentum
// (running = (1 - momentum) running + momentum batch, unbiased variance), or with the
// cumulative average (momentum 1 / num_batches_tracked) when momentum is nullopt (torch's None).
// Evaluation: normalize with the running statistics. Without track_running_stats there are no
// buffers and batch statistics are used in both modes.
class BatchNorm2d : public NormBase {
 public:
  explicit BatchNorm2d(int64_t num_features, double eps = 1e-5, std::optional<double> momentum = 0.1,
                       bool affine = true, bool track_running_stats = true, DType dtype = DType::f32);
  Tensor forward(const Tensor& x) override;
  // relu(forward(x) + residual), or relu(forward(x)) without a residual, as one op
  // (batch_norm_relu): the same values, running statistics and gradients, in fewer passes over
  // memory. residual has x's shape.
  Tensor forward_relu(const Tensor& x, const Tensor& residual = Tensor());
  std::string name() const override { return "BatchNorm2d"; }
  std::string extra_repr() const override;
  std::optional<double> momentum;

 private:
  Tensor normalize(const Tensor& x, bool relu, const Tensor& residual);
};

}  // namespace descent
