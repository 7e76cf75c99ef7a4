// BatchNorm2d: the bookkeeping of torch.nn.modules.batchnorm._BatchNorm.forward around the
// batch_norm op (or the fused batch_norm_relu), and torch.nn.SyncBatchNorm's statistics over the
// ranks when a data-parallel step asks for them (nn/global_batch.hpp).
#include "descent/nn/batch_norm2d.hpp"

#include "descent/nn/global_batch.hpp"

#include "descent/ops/conv.hpp"
#include "descent/tensor/grad_mode.hpp"

namespace descent {

BatchNorm2d::BatchNorm2d(int64_t c, double e, std::optional<double> m, bool affine, bool track_running_stats,
                         DType dtype)
    : NormBase("BatchNorm2d", c, e, affine, track_running_stats, dtype), momentum(m) {}

Tensor BatchNorm2d::forward(const Tensor& x) { return normalize(x, false, Tensor()); }

Tensor BatchNorm2d::forward_relu(const Tensor& x, const Tensor& residual) { return normalize(x, true, residual); }

Tensor BatchNorm2d::normalize(const Tensor& x, bool relu, const Tensor& residual) {
  if (x.dim() != 4 || x.shape()[1] != num_features)
    throw ShapeError("BatchNorm2d: expected input of shape [N, " + std::to_string(num_features) + ", H, W], got " +
                     x.shape().str());
  double factor = momentum.value_or(0.0);
  if (is_training() && running_mean.defined()) {
    NoGradGuard guard;
    num_batches_tracked.add_(Tensor::ones(Shape{}, num_batches_tracked.dtype()));
    if (!momentum) factor = 1.0 / num_batches_tracked.item();  // cumulative moving average
  }
  const bool batch_statistics = is_training() || !running_mean.defined();
  const GlobalBatch* global = current_global_batch();
  const ReplicaSum ranks = batch_statistics && global != nullptr && global->sum_over_ranks
                               ? ReplicaSum{.sum = global->sum_over_ranks, .share = global->share()}
                               : ReplicaSum{};
  const ReplicaSum* replicas = ranks.sum ? &ranks : nullptr;
  if (relu)
    return batch_norm_relu(x, residual, running_mean, running_var, weight, bias, batch_statistics, factor, eps,
                           replicas);
  return batch_norm(x, running_mean, running_var, weight, bias, batch_statistics, factor, eps, replicas);
}

std::string BatchNorm2d::extra_repr() const {
  return std::to_string(num_features) + ", eps=" + format_number(eps) +
         ", momentum=" + (momentum ? format_number(*momentum) : "none") +
         ", affine=" + (weight.defined() ? "true" : "false") +
         ", track_running_stats=" + (running_mean.defined() ? "true" : "false");
}

}  // namespace descent
