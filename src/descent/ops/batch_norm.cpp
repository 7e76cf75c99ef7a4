// batch_norm (Ioffe & Szegedy 2015), as torch.nn.functional.batch_norm on the CPU
// (ATen's batch_norm_cpu): statistics per channel over every dim but the channel dim, summed
// in double; forward beside backward. Channels are split over threads in fixed ranges, and
// each channel's sums run in one order, so results do not depend on the thread count.
#include <array>
#include <cmath>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "descent/core/threads.hpp"
#include "descent/kernels/lane_sums.hpp"
#include "descent/kernels/parallel.hpp"
#include "descent/ops/conv.hpp"
#include "descent/ops/ops.hpp"
#include "descent/tensor/node.hpp"

namespace descent {

namespace {

// x seen as (N, C, L): L is the product of the dims after the channel dim.
struct ChannelLayout {
  int64_t batch, channels, inner;
  int64_t per_channel() const { return batch * inner; }  // M, the values behind each statistic
};

// What the backward needs: per channel the mean used and 1 / sqrt(var + eps); in training, the
// values behind each statistic (over every replica) and the replicas, if any.
struct Statistics {
  std::vector<double> mean, invstd;
  double count = 0;
  ReplicaSum replicas;  // no `sum`: this process's batch alone
};

// fn(c) for every channel, channels split over threads.
template <class Fn>
void for_channels(const ChannelLayout& l, Fn&& fn) {
  kernels::parallel_ranges(l.channels, 1, l.channels * l.per_channel(), kParallelThreshold,
                           [&](int64_t begin, int64_t end) {
                             for (int64_t c = begin; c < end; ++c) fn(c);
                           });
}

// K sums over channel c of tensors laid out as (N, C, L), each term a function of the flat
// index; the channel's N rows of L values in the lanes of kernels/lane_sums.hpp, in one order at
// any thread count.
template <class... F>
std::array<double, sizeof...(F)> over_channel(const ChannelLayout& l, int64_t c, const F&... terms) {
  return kernels::sums_over_rows(
      l.batch, l.inner, [&](int64_t n) { return (n * l.channels + c) * l.inner; }, terms...);
}

// out[i] = f(x[i]) over channel c's values of x (N, C, L), vectorized for the running CPU.
template <class T, class F>
void map_channel(const T* x, T* out, const ChannelLayout& l, int64_t c, F f) {
  kernels::at_cpu_level([&]<kernels::CpuLevel>() {
    for (int64_t n = 0; n < l.batch; ++n) {
      const int64_t at = (n * l.channels + c) * l.inner;
      const T* __restrict in_row = x + at;
      T* __restrict out_row = out + at;
#pragma omp simd
      for (int64_t i = 0; i < l.inner; ++i) out_row[i] = f(in_row[i], at + i);
    }
  });
}

void check_channel_vector(const char* what, const Tensor& t, const Tensor& x, int64_t channels) {
  if (!t.defined()) return;
  check_same_dtype(x, t, "batch_norm");
  if (t.dim() != 1 || t.shape()[0] != channels)
    throw ShapeError(std::string("batch_norm: ") + what + " of shape " + t.shape().str() + " does not match input " +
                     x.shape().str() + " (expected [" + std::to_string(channels) + "])");
}

ChannelLayout checked_layout(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                             const Tensor& weight, const Tensor& bias, bool training) {
  if (x.dim() < 2) throw ShapeError("batch_norm: expected input (N, C, *), got shape " + x.shape().str());
  ChannelLayout l{x.shape()[0], x.shape()[1], 1};
  for (int d = 2; d < x.dim(); ++d) l.inner *= x.shape()[d];
  check_channel_vector("running_mean", running_mean, x, l.channels);
  check_channel_vector("running_var", running_var, x, l.channels);
  check_channel_vector("weight", weight, x, l.channels);
  check_channel_vector("bias", bias, x, l.channels);
  if (!training && (!running_mean.defined() || !running_var.defined()))
    throw ValueError("batch_norm: evaluation mode needs running_mean and running_var");
  if (training && l.per_channel() <= 1)
    throw ShapeError("batch_norm: expected more than 1 value per channel when training, got input " + x.shape().str());
  return l;
}

void sum_over_replicas(const ReplicaSum& replicas, std::vector<double>& values) {
  if (replicas.sum) replicas.sum(values);
}

// Batch mean and biased variance (two passes, in double) of x (N, C, L), over every replica's
// rows when there are replicas; when running statistics are given, updates them with momentum
// and the unbiased variance.
template <class T>
Statistics batch_statistics(const T* x, const ChannelLayout& l, const Tensor& running_mean, const Tensor& running_var,
                            double momentum, double eps, const ReplicaSum& replicas) {
  const auto channels = static_cast<std::size_t>(l.channels);
  Statistics s{std::vector<double>(channels), std::vector<double>(channels), 0.0, replicas};
  std::vector<double> totals(channels + 1);  // per channel the sum of x, then the count behind each
  totals[channels] = static_cast<double>(l.per_channel());
  for_channels(l, [&](int64_t c) {
    totals[static_cast<std::size_t>(c)] = over_channel(l, c, [x](int64_t i) { return static_cast<double>(x[i]); })[0];
  });
  sum_over_replicas(replicas, totals);
  const double m = s.count = totals[channels];
  std::vector<double> variance(channels);
  for_channels(l, [&](int64_t c) {
    const auto k = static_cast<std::size_t>(c);
    const double mean = totals[k] / m;
    s.mean[k] = mean;
    variance[k] = over_channel(l, c, [x, mean](int64_t i) {
      const double d = static_cast<double>(x[i]) - mean;
      return d * d;
    })[0];
  });
  sum_over_replicas(replicas, variance);
  for (std::size_t k = 0; k < channels; ++k) {
    variance[k] /= m;
    s.invstd[k] = 1.0 / std::sqrt(variance[k] + eps);
  }
  if (running_mean.defined()) {
    const Tensor batch_mean =
        Tensor::from_data(std::span<const double>(s.mean), Shape{l.channels}, running_mean.dtype());
    Tensor(running_mean).mul_(1.0 - momentum).add_(batch_mean, momentum);  // a handle to the caller's buffer
  }
  if (running_var.defined()) {
    for (double& v : variance) v *= m / (m - 1.0);  // unbiased, as torch's running_var
    const Tensor unbiased =
        Tensor::from_data(std::span<const double>(variance), Shape{l.channels}, running_var.dtype());
    Tensor(running_var).mul_(1.0 - momentum).add_(unbiased, momentum);
  }
  return s;
}

Statistics running_statistics(const Tensor& running_mean, const Tensor& running_var, double eps) {
  Statistics s{running_mean.to_vector(), running_var.to_vector(), 0.0, {}};
  for (double& v : s.invstd) v = 1.0 / std::sqrt(v + eps);
  return s;
}

// The means of dy and of dy xhat over the batch that the statistics came from, per channel,
// from this replica's sums [sum(dy)..., sum(dy xhat)...]; on the scale of this replica's dy.
std::vector<double> gradient_means(std::vector<double> sums, const Statistics& s) {
  const ReplicaSum& replicas = s.replicas;
  if (replicas.sum) {
    for (double& v : sums) v *= replicas.share;  // on the whole batch's scale
    replicas.sum(sums);
    for (double& v : sums) v /= replicas.share;
  }
  for (double& v : sums) v /= s.count;
  return sums;
}

// dx, dweight, dbias from dy (N, C, L). With batch statistics the mean and variance depend on
// x: dx = (dy - mean(dy) - xhat mean(dy xhat)) invstd w; with running ones dx = dy invstd w.
// dweight = sum(dy xhat), dbias = sum(dy) (this replica's: the gradient average adds them).
void batch_norm_backward(Node& node, const Tensor& grad, const Tensor& x, const Tensor& weight, const Statistics& s,
                         const ChannelLayout& l, bool training) {
  const Tensor dy = grad.contiguous();
  Tensor dx = Tensor::empty(x.shape(), x.dtype());
  Tensor dweight = Tensor::empty(Shape{l.channels}, x.dtype()), dbias = Tensor::empty(Shape{l.channels}, x.dtype());
  const std::vector<double> w = weight.defined() ? weight.to_vector() : std::vector<double>(s.mean.size(), 1.0);
  const auto channels = static_cast<std::size_t>(l.channels);
  dispatch(x.dtype(), [&]<class T>() {
    const T *px = x.data<T>(), *pg = dy.data<T>();
    T *pdx = dx.data<T>(), *pdw = dweight.data<T>(), *pdb = dbias.data<T>();
    std::vector<double> sums(2 * channels);  // per channel sum(dy), then per channel sum(dy xhat)
    for_channels(l, [&](int64_t c) {
      const auto k = static_cast<std::size_t>(c);
      const double mean = s.mean[k], invstd = s.invstd[k];
      const auto [sum_dy, sum_dy_xhat] = over_channel(
          l, c, [pg](int64_t i) { return static_cast<double>(pg[i]); },
          [pg, px, mean, invstd](int64_t i) {
            return static_cast<double>(pg[i]) * (static_cast<double>(px[i]) - mean) * invstd;
          });
      pdw[c] = static_cast<T>(sum_dy_xhat);
      pdb[c] = static_cast<T>(sum_dy);
      sums[k] = sum_dy;
      sums[channels + k] = sum_dy_xhat;
    });
    const std::vector<double> means = training ? gradient_means(sums, s) : std::vector<double>(2 * channels, 0.0);
    for_channels(l, [&](int64_t c) {
      const auto k = static_cast<std::size_t>(c);
      const double mean = s.mean[k], invstd = s.invstd[k], mean_dy = means[k], mean_dy_xhat = means[channels + k];
      // dx = dy a + x b + c0, as ATen's batch_norm_cpu_backward: the channel's constants in
      // double, rounded once, the elements in T.
      const double per_dy = invstd * w[k], per_x = -per_dy * invstd * mean_dy_xhat;
      const double shift = -per_dy * mean_dy - per_x * mean;
      const T a = static_cast<T>(per_dy), b = static_cast<T>(per_x), c0 = static_cast<T>(shift);
      map_channel(px, pdx, l, c, [=](T xv, int64_t at) { return pg[at] * a + xv * b + c0; });
    });
  });
  if (node.needs_grad(0)) node.accumulate(0, dx);
  if (node.needs_grad(1)) node.accumulate(1, dweight);
  if (node.needs_grad(2)) node.accumulate(2, dbias);
}

}  // namespace

Tensor batch_norm(const Tensor& x_in, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps, const ReplicaSum* replicas) {
  const ChannelLayout l = checked_layout(x_in, running_mean, running_var, weight, bias, training);
  const Tensor x = x_in.contiguous();
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  auto stats = std::make_shared<Statistics>();
  dispatch(x.dtype(), [&]<class T>() {
    const T* px = x.data<T>();
    *stats = training ? batch_statistics(px, l, running_mean, running_var, momentum, eps,
                                         replicas != nullptr ? *replicas : ReplicaSum{})
                      : running_statistics(running_mean, running_var, eps);
    const std::vector<double> w = weight.defined() ? weight.to_vector() : std::vector<double>(stats->mean.size(), 1.0);
    const std::vector<double> b = bias.defined() ? bias.to_vector() : std::vector<double>(stats->mean.size(), 0.0);
    T* py = y.data<T>();
    for_channels(l, [&](int64_t c) {  // y = x alpha + beta, as ATen's batch_norm_cpu_transform_input
      const auto k = static_cast<std::size_t>(c);
      const double scale = stats->invstd[k] * w[k];
      const T alpha = static_cast<T>(scale), beta = static_cast<T>(b[k] - stats->mean[k] * scale);
      map_channel(px, py, l, c, [=](T xv, int64_t) { return xv * alpha + beta; });
    });
  });
  if (!any_requires_grad({x_in, weight, bias})) return y;
  return record(y, "batch_norm", {x_in, weight, bias},
                [x = x.detach(), w = weight.defined() ? weight.detach() : Tensor(), stats, l,
                 training](Node& node, const Tensor& dy) { batch_norm_backward(node, dy, x, w, *stats, l, training); });
}

}  // namespace descent
