// Convolution, pooling, batch normalization and padding on NCHW tensors, as
// torch.nn.functional's conv2d, conv_transpose2d, max_pool2d, avg_pool2d,
// adaptive_avg_pool2d, batch_norm and pad; float32 and float64, differentiable. Forward and
// backward sit side by side in conv2d.cpp, pool.cpp, batch_norm.cpp and pad.cpp; the formulas
// are in docs/convolution.md.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "descent/tensor/tensor.hpp"

namespace descent {

// A size for both spatial dims, or (height, width): torch's int-or-tuple arguments.
//   conv2d(x, w, b, 2)  ==  conv2d(x, w, b, {2, 2})
struct Pair {
  int64_t h = 0, w = 0;
  Pair(int64_t both) : h(both), w(both) {}  // implicit, as torch takes an int for both
  Pair(int64_t height, int64_t width) : h(height), w(width) {}
  friend bool operator==(const Pair&, const Pair&) = default;
  // "(h, w)", appended piece by piece (GCC 12 warns falsely on "(" + std::to_string(...)).
  std::string str() const {
    std::string s = "(";
    s.append(std::to_string(h)).append(", ").append(std::to_string(w)).append(")");
    return s;
  }
};

// torch's padding='valid' (none) and padding='same' (output as large as the input; stride 1;
// with an even effective kernel the extra row and column go at the bottom and right, as torch).
enum class PaddingMode { valid, same };

// ---- convolution (conv2d.cpp) ----
// x (N, C_in, H, W), weight (C_out, C_in / groups, kh, kw), bias (C_out) or undefined
//   -> (N, C_out, (H + 2 p - d (kh - 1) - 1) / s + 1, likewise for W)
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), Pair stride = 1, Pair padding = 0,
              Pair dilation = 1, int64_t groups = 1);
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Pair stride, PaddingMode padding,
              Pair dilation = 1, int64_t groups = 1);

// The adjoint of conv2d (torch's argument order: groups before dilation).
// x (N, C_in, H, W), weight (C_in, C_out / groups, kh, kw), bias (C_out) or undefined
//   -> (N, C_out, (H - 1) s - 2 p + d (kh - 1) + output_padding + 1, likewise for W)
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(), Pair stride = 1,
                        Pair padding = 0, Pair output_padding = 0, int64_t groups = 1, Pair dilation = 1);

// ---- pooling (pool.cpp) ----
// Input (N, C, H, W) or (C, H, W). stride defaults to the kernel size; windows hang over the
// padded input only in ceil_mode, and never start in the right or bottom padding.
// Gradient to the first maximum of each window (row-major), as torch; NaN wins.
Tensor max_pool2d(const Tensor& x, Pair kernel_size, std::optional<Pair> stride = std::nullopt, Pair padding = 0,
                  Pair dilation = 1, bool ceil_mode = false);
// Divides by the window's size with padding (count_include_pad) or without.
Tensor avg_pool2d(const Tensor& x, Pair kernel_size, std::optional<Pair> stride = std::nullopt, Pair padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true);
// Window i spans [floor(i H / out_h), ceil((i + 1) H / out_h)) rows, likewise for columns.
Tensor adaptive_avg_pool2d(const Tensor& x, Pair output_size);

// ---- batch normalization (batch_norm.cpp; Ioffe & Szegedy 2015), with a fused ReLU ----
// x (N, C, *), statistics per channel over N and the rest. Training: normalize with the batch
// mean and biased variance, and when running_mean / running_var are given update them in
// place: running = (1 - momentum) running + momentum batch, with the unbiased variance.
// Evaluation: normalize with the running statistics. weight and bias (C) are optional.
// `replicas`, in training: x is one replica's share of a batch split over data-parallel
// replicas, and the statistics are the whole batch's (torch.nn.SyncBatchNorm): the per-channel
// sums of the forward (of x, then of the squared deviations from the mean) and of the backward
// (of dy and of dy xhat) are added over the replicas with `sum`. `share` is this replica's rows
// over the whole batch's: its loss is the mean over its own rows, so its dy is the whole
// batch's divided by `share`.
struct ReplicaSum {
  std::function<void(std::span<double>)> sum;  // element-wise, every replica getting the same bits
  double share = 1;
};
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = Tensor(), const Tensor& bias = Tensor(), bool training = false,
                  double momentum = 0.1, double eps = 1e-5, const ReplicaSum* replicas = nullptr);
// relu(batch_norm(x) + residual), or relu(batch_norm(x)) when residual is undefined, as one op
// (the last steps of a residual block, He et al. 2016): the same values, running statistics and
// gradients as the three ops, in one pass over x (and the residual) after the statistics, and
// backward in two passes over dy, y and x. residual has x's shape and dtype.
Tensor batch_norm_relu(const Tensor& x, const Tensor& residual, const Tensor& running_mean, const Tensor& running_var,
                       const Tensor& weight = Tensor(), const Tensor& bias = Tensor(), bool training = false,
                       double momentum = 0.1, double eps = 1e-5, const ReplicaSum* replicas = nullptr);

// ---- padding (pad.cpp) ----
// torch.nn.functional.pad, mode 'constant': pads = {left, right} pads the last dim, {left,
// right, top, bottom} the last two; negative amounts crop.
Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, double value = 0.0);

}  // namespace descent
