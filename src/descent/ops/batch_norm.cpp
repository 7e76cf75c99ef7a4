// batch_norm (Ioffe & Szegedy 2015), as torch.nn.functional.batch_norm on the CPU
// (ATen's batch_norm_cpu): statistics per channel over every dim but the channel dim, summed
// in double (float data: each row of H x W values in float lanes first); forward beside
// backward. Channels are split over threads in fixed ranges, and each channel's sums run in one
// order, so results do not depend on the thread count. Unless replicas must exchange sums
// between passes, a channel is finished (its statistics and output, or its gradient's sums and
// dx) before the next begins, so that only its first pass reads from memory and the others find
// its values in cache.
// batch_norm_relu is relu(batch_norm(x) + residual) as one op: the elementwise pass applies the
// residual and the ReLU, and the backward takes the ReLU's mask from the output, so each of the
// three costs no pass over memory of its own.
#include <array>
#include <bit>
#include <cmath>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
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
// index computed in T; the channel's N rows of L values in the lanes of kernels/lane_sums.hpp,
// in one order at any thread count. In double every term is added in double; in float each
// row's terms are summed in float lanes and the rows in double (sums_over_float_rows), which
// keeps the per-element work in float, as ATen's float kernels are.
template <class T, class... F>
std::array<double, sizeof...(F)> over_channel(const ChannelLayout& l, int64_t c, const F&... terms) {
  const auto start = [&](int64_t n) { return (n * l.channels + c) * l.inner; };
  if constexpr (std::is_same_v<T, float>) {
    return kernels::sums_over_float_rows(l.batch, l.inner, start, terms...);
  } else {
    return kernels::sums_over_rows(l.batch, l.inner, start, terms...);
  }
}

// body(i) for every flat index i of channel c's values in (N, C, L), vectorized for the
// running CPU; body's writes must not overlap its reads of other elements.
template <class Body>
void each_in_channel(const ChannelLayout& l, int64_t c, Body body) {
  kernels::at_cpu_level([&]<kernels::CpuLevel>() {
    for (int64_t n = 0; n < l.batch; ++n) {
      const int64_t at = (n * l.channels + c) * l.inner;
#pragma omp simd
      for (int64_t i = at; i < at + l.inner; ++i) body(i);
    }
  });
}

// One call's arguments, as batch_norm and batch_norm_relu take them.
struct Arguments {
  const char* op;  // "batch_norm" or "batch_norm_relu": for errors and the graph
  const Tensor &x, &residual, &running_mean, &running_var, &weight, &bias;
  bool training, relu;  // relu: y = relu(x α + β [+ residual])
  double momentum, eps;
  const ReplicaSum* replicas;
};

void check_channel_vector(const Arguments& a, const char* what, const Tensor& t, int64_t channels) {
  if (!t.defined()) return;
  check_same_dtype(a.x, t, a.op);
  if (t.dim() != 1 || t.shape()[0] != channels)
    throw ShapeError(std::string(a.op) + ": " + what + " of shape " + t.shape().str() + " does not match input " +
                     a.x.shape().str() + " (expected [" + std::to_string(channels) + "])");
}

ChannelLayout checked_layout(const Arguments& a) {
  const std::string op = a.op;
  if (a.x.dim() < 2) throw ShapeError(op + ": expected input (N, C, *), got shape " + a.x.shape().str());
  ChannelLayout l{a.x.shape()[0], a.x.shape()[1], 1};
  for (int d = 2; d < a.x.dim(); ++d) l.inner *= a.x.shape()[d];
  check_channel_vector(a, "running_mean", a.running_mean, l.channels);
  check_channel_vector(a, "running_var", a.running_var, l.channels);
  check_channel_vector(a, "weight", a.weight, l.channels);
  check_channel_vector(a, "bias", a.bias, l.channels);
  if (a.residual.defined()) {
    check_same_dtype(a.x, a.residual, a.op);
    if (a.residual.shape() != a.x.shape())
      throw ShapeError(op + ": residual of shape " + a.residual.shape().str() + " does not match input " +
                       a.x.shape().str() + " (expected the same shape)");
  }
  if (!a.training && (!a.running_mean.defined() || !a.running_var.defined()))
    throw ValueError(op + ": evaluation mode needs running_mean and running_var");
  if (a.training && l.per_channel() <= 1)
    throw ShapeError(op + ": expected more than 1 value per channel when training, got input " + a.x.shape().str());
  return l;
}

void sum_over_replicas(const ReplicaSum& replicas, std::vector<double>& values) {
  if (replicas.sum) replicas.sum(values);
}

// running = (1 - momentum) running + momentum batch, with the unbiased variance (as torch's
// running_var), on the caller's buffers where given.
void update_running_statistics(const Arguments& a, const std::vector<double>& mean, std::vector<double> variance,
                               double count) {
  const Shape shape{static_cast<int64_t>(mean.size())};
  if (a.running_mean.defined()) {
    const Tensor batch_mean = Tensor::from_data(std::span<const double>(mean), shape, a.running_mean.dtype());
    Tensor(a.running_mean).mul_(1.0 - a.momentum).add_(batch_mean, a.momentum);  // a handle to the caller's buffer
  }
  if (a.running_var.defined()) {
    for (double& v : variance) v *= count / (count - 1.0);
    const Tensor unbiased = Tensor::from_data(std::span<const double>(variance), shape, a.running_var.dtype());
    Tensor(a.running_var).mul_(1.0 - a.momentum).add_(unbiased, a.momentum);
  }
}

// Batch mean and biased variance (two passes, summed as over_channel sums) of x (N, C, L),
// over every replica's rows when there are replicas, and the running statistics updated.
// then(c, mean, invstd) runs for each channel as soon as its statistics are known: without
// replicas right after the channel's own passes, while its values are in cache; with replicas
// after the last exchange.
template <class T, class Then>
Statistics batch_statistics(const T* x, const ChannelLayout& l, const Arguments& a, const Then& then) {
  const ReplicaSum replicas = a.replicas != nullptr ? *a.replicas : ReplicaSum{};
  const auto channels = static_cast<std::size_t>(l.channels);
  Statistics s{std::vector<double>(channels), std::vector<double>(channels), 0.0, replicas};
  std::vector<double> totals(channels + 1);  // per channel the sum of x, then the count behind each
  totals[channels] = static_cast<double>(l.per_channel());
  std::vector<double> variance(channels);
  const auto sum_channel = [&](int64_t c) {
    totals[static_cast<std::size_t>(c)] = over_channel<T>(l, c, [x](int64_t i) { return x[i]; })[0];
  };
  const auto sum_squared_deviations = [&](int64_t c) {
    const auto k = static_cast<std::size_t>(c);
    const double mean = totals[k] / totals[channels];
    s.mean[k] = mean;
    variance[k] = over_channel<T>(l, c, [x, mean = static_cast<T>(mean)](int64_t i) {
      const T d = x[i] - mean;
      return d * d;
    })[0];
  };
  const auto finish = [&](int64_t c) {
    const auto k = static_cast<std::size_t>(c);
    variance[k] /= totals[channels];
    s.invstd[k] = 1.0 / std::sqrt(variance[k] + a.eps);
    then(c, s.mean[k], s.invstd[k]);
  };
  if (replicas.sum) {  // each pass needs every replica's sums before the next
    for_channels(l, sum_channel);
    sum_over_replicas(replicas, totals);
    for_channels(l, sum_squared_deviations);
    sum_over_replicas(replicas, variance);
    for_channels(l, finish);
  } else {
    for_channels(l, [&](int64_t c) {
      sum_channel(c);
      sum_squared_deviations(c);
      finish(c);
    });
  }
  s.count = totals[channels];
  update_running_statistics(a, s.mean, std::move(variance), s.count);
  return s;
}

// The running statistics, and then(c, mean, invstd) for each channel.
template <class Then>
Statistics running_statistics(const ChannelLayout& l, const Arguments& a, const Then& then) {
  Statistics s{a.running_mean.to_vector(), a.running_var.to_vector(), 0.0, {}};
  for (double& v : s.invstd) v = 1.0 / std::sqrt(v + a.eps);
  for_channels(l, [&](int64_t c) {
    const auto k = static_cast<std::size_t>(c);
    then(c, s.mean[k], s.invstd[k]);
  });
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

// max(v, 0) with NaN passing through, as relu (torch's clamp_min(x, 0)).
template <class T>
T relu_value(T v) {
  return v > 0 || v != v ? v : T(0);
}

// The elementwise pass over channel c, given its mean and invstd: y = x α + β with α = w invstd
// and β = b - mean α, as ATen's batch_norm_cpu_transform_input; behind the ReLU
// y = relu(x α + β + r), rounded as the separate ops round (r is null without a residual).
template <class T>
auto channel_writer(const Arguments& a, const ChannelLayout& l, const T* x, const T* r, T* y) {
  const auto channels = static_cast<std::size_t>(l.channels);
  return
      [&l, relu = a.relu, x, r, y, w = a.weight.defined() ? a.weight.to_vector() : std::vector<double>(channels, 1.0),
       b = a.bias.defined() ? a.bias.to_vector() : std::vector<double>(channels, 0.0)](int64_t c, double mean,
                                                                                       double invstd) {
        const auto k = static_cast<std::size_t>(c);
        const double scale = invstd * w[k];
        const T alpha = static_cast<T>(scale), beta = static_cast<T>(b[k] - mean * scale);
        if (!relu) {
          each_in_channel(l, c, [=](int64_t i) { y[i] = x[i] * alpha + beta; });
        } else if (r == nullptr) {
          each_in_channel(l, c, [=](int64_t i) { y[i] = relu_value(x[i] * alpha + beta); });
        } else {
          each_in_channel(l, c, [=](int64_t i) { y[i] = relu_value(x[i] * alpha + beta + r[i]); });
        }
      };
}

// What the backward keeps: x, the weight, the statistics, and behind the ReLU the output y,
// whose mask (y > 0) it needs.
struct Saved {
  Tensor x, weight, y;
  Statistics stats;
  ChannelLayout layout;
  bool training;
};

// The gradients from g(i), the gradient that reaches the normalization (N, C, L), in two
// passes: the channel sums of g and g xhat, then dx (and dresidual = g where not null). With
// batch statistics the mean and variance depend on x: dx = (g - mean(g) - xhat mean(g xhat))
// invstd w; with running ones dx = g invstd w. dweight = sum(g xhat), dbias = sum(g) (this
// replica's: the gradient average adds them).
template <class T, class G>
void gradients_from(const Saved& saved, const G& g, T* dx, T* dweight, T* dbias, T* dresidual) {
  const Statistics& s = saved.stats;
  const ChannelLayout& l = saved.layout;
  const T* x = saved.x.data<T>();
  const auto channels = static_cast<std::size_t>(l.channels);
  std::vector<double> sums(2 * channels);  // per channel sum(g), then per channel sum(g xhat)
  const auto sum_channel = [&](int64_t c) {
    const auto k = static_cast<std::size_t>(c);
    const T mean = static_cast<T>(s.mean[k]), invstd = static_cast<T>(s.invstd[k]);
    const auto [sum_g, sum_g_xhat] = over_channel<T>(
        l, c, [g](int64_t i) { return g(i); },
        [g, x, mean, invstd](int64_t i) { return g(i) * (x[i] - mean) * invstd; });
    dweight[c] = static_cast<T>(sum_g_xhat);
    dbias[c] = static_cast<T>(sum_g);
    sums[k] = sum_g;
    sums[channels + k] = sum_g_xhat;
  };
  const std::vector<double> w = saved.weight.defined() ? saved.weight.to_vector() : std::vector<double>(channels, 1.0);
  const auto write_channel = [&](int64_t c, double mean_g, double mean_g_xhat) {
    const auto k = static_cast<std::size_t>(c);
    // dx = g a + x b + c0, as ATen's batch_norm_cpu_backward: the channel's constants in
    // double, rounded once, the elements in T.
    const double per_g = s.invstd[k] * w[k], per_x = -per_g * s.invstd[k] * mean_g_xhat;
    const double shift = -per_g * mean_g - per_x * s.mean[k];
    const T a = static_cast<T>(per_g), b = static_cast<T>(per_x), c0 = static_cast<T>(shift);
    if (dresidual == nullptr) {
      each_in_channel(l, c, [=](int64_t i) { dx[i] = g(i) * a + x[i] * b + c0; });
    } else {
      each_in_channel(l, c, [=](int64_t i) {
        const T gi = g(i);
        dx[i] = gi * a + x[i] * b + c0;
        dresidual[i] = gi;
      });
    }
  };
  if (saved.training && s.replicas.sum) {  // the means need every replica's sums: one exchange for all channels
    for_channels(l, sum_channel);
    const std::vector<double> means = gradient_means(sums, s);
    for_channels(l, [&](int64_t c) { write_channel(c, means[c], means[channels + static_cast<std::size_t>(c)]); });
    return;
  }
  // Otherwise channel by channel, so that the second pass finds the channel's values in cache.
  for_channels(l, [&](int64_t c) {
    sum_channel(c);
    const auto k = static_cast<std::size_t>(c);
    if (saved.training) {
      write_channel(c, sums[k] / s.count, sums[channels + k] / s.count);
    } else {
      write_channel(c, 0.0, 0.0);
    }
  });
}

// v where keep, else +0, as a select (relu's backward, torch's threshold_backward: an infinite v
// stays out of the zeros), written as a mask of bits: GCC keeps a select of a loaded value
// scalar in these loops, and the mask vectorizes.
template <class T>
T kept_where(T v, bool keep) {
  using Bits = std::conditional_t<sizeof(T) == sizeof(uint32_t), uint32_t, uint64_t>;
  return std::bit_cast<T>(std::bit_cast<Bits>(v) & (keep ? ~Bits{0} : Bits{0}));
}

// The backward of either op: g = dy, or behind the ReLU g = dy where y > 0, else 0, which is
// also the residual's gradient: relu's backward, a select as torch's threshold_backward (NaN in
// y passes dy; an infinite dy stays out of the zeros), which vectorizes where a bool-to-float
// product would not.
void backward(Node& node, const Tensor& grad, const Saved& saved) {
  const Tensor dy = grad.contiguous();
  const Tensor& x = saved.x;
  const auto channels = saved.layout.channels;
  Tensor dx = Tensor::empty(x.shape(), x.dtype());
  Tensor dweight = Tensor::empty(Shape{channels}, x.dtype()), dbias = Tensor::empty(Shape{channels}, x.dtype());
  const bool residual = node.inputs.size() > 3 && node.needs_grad(3);
  Tensor dresidual = residual ? Tensor::empty(x.shape(), x.dtype()) : Tensor();
  dispatch(x.dtype(), [&]<class T>() {
    const T* pdy = dy.data<T>();
    T* pdr = residual ? dresidual.data<T>() : nullptr;
    if (saved.y.defined()) {
      const T* y = saved.y.data<T>();
      gradients_from(
          saved, [pdy, y](int64_t i) { return kept_where(pdy[i], !(y[i] <= 0)); }, dx.data<T>(), dweight.data<T>(),
          dbias.data<T>(), pdr);
    } else {
      gradients_from(
          saved, [pdy](int64_t i) { return pdy[i]; }, dx.data<T>(), dweight.data<T>(), dbias.data<T>(), pdr);
    }
  });
  if (node.needs_grad(0)) node.accumulate(0, dx);
  if (node.needs_grad(1)) node.accumulate(1, dweight);
  if (node.needs_grad(2)) node.accumulate(2, dbias);
  if (residual) node.accumulate(3, dresidual);
}

// Either op: the statistics, the elementwise pass, and the backward recorded with what it needs.
Tensor normalize(const Arguments& a) {
  const ChannelLayout l = checked_layout(a);
  auto saved = std::make_shared<Saved>();
  saved->x = a.x.contiguous();
  const Tensor r = a.residual.defined() ? a.residual.contiguous() : Tensor();
  Tensor y = Tensor::empty(a.x.shape(), a.x.dtype());
  dispatch(a.x.dtype(), [&]<class T>() {
    const T* x = saved->x.data<T>();
    const auto write = channel_writer(a, l, x, r.defined() ? r.data<T>() : nullptr, y.data<T>());
    saved->stats = a.training ? batch_statistics(x, l, a, write) : running_statistics(l, a, write);
  });
  if (!any_requires_grad({a.x, a.weight, a.bias, a.residual})) return y;
  std::vector<Tensor> inputs{a.x, a.weight, a.bias};
  if (a.residual.defined()) inputs.push_back(a.residual);
  saved->x = saved->x.detach();
  saved->weight = a.weight.defined() ? a.weight.detach() : Tensor();
  if (a.relu) saved->y = y.detach();
  saved->layout = l;
  saved->training = a.training;
  return record(y, a.op, std::move(inputs), [saved](Node& node, const Tensor& dy) { backward(node, dy, *saved); });
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps, const ReplicaSum* replicas) {
  return normalize(
      {"batch_norm", x, Tensor(), running_mean, running_var, weight, bias, training, false, momentum, eps, replicas});
}

Tensor batch_norm_relu(const Tensor& x, const Tensor& residual, const Tensor& running_mean, const Tensor& running_var,
                       const Tensor& weight, const Tensor& bias, bool training, double momentum, double eps,
                       const ReplicaSum* replicas) {
  return normalize({"batch_norm_relu", x, residual, running_mean, running_var, weight, bias, training, true, momentum,
                    eps, replicas});
}

}  // namespace descent
