// conv2d and conv_transpose2d, as torch.nn.functional's, forward beside backward. Both run on
// the three products of kernels/im2col.hpp: conv2d's forward is conv_transpose2d's input
// gradient and the other way round (Dumoulin & Visin 2016, "A guide to convolution arithmetic").
// Leaf weights receive their gradient like any input, through Node::accumulate.
#include <string>
#include <vector>

#include "descent/core/threads.hpp"
#include "descent/kernels/bias_sums.hpp"
#include "descent/kernels/conv_direct.hpp"
#include "descent/kernels/conv_winograd.hpp"
#include "descent/kernels/im2col.hpp"
#include "descent/kernels/parallel.hpp"
#include "descent/ops/conv.hpp"
#include "descent/ops/ops.hpp"
#include "descent/tensor/node.hpp"

namespace descent {

namespace {

using kernels::ConvGeometry;

// Padding on each side; conv2d's padding p is {p.h, p.h, p.w, p.w}.
struct Sides {
  int64_t top = 0, bottom = 0, left = 0, right = 0;
};

// The kernels a convolution runs on, picked here and only here for every conv2d and
// conv_transpose2d by its geometry, product by product: Winograd's (kernels/conv_winograd.hpp)
// for float 3 x 3 and 5 x 5 layers of stride 1 whose channels fill whole AVX-512 vectors (fewer
// multiplications: 2c2d's second layer 16.3 -> 11.8 ms forward at one thread); else the direct
// kernels (kernels/conv_direct.hpp) where they apply (stride 1, no dilation or groups), since
// they read the image in place; im2col + BLAS gemm for the rest, and where the direct kernel's
// register blocks would be mostly empty while the gemm's smallest dimension is not. Measured on
// one AVX-512 core (docs/convolution.md): the direct kernels reach 70-90 % of sgemm's rate on
// ResNet's and 2c2d's layers, im2col 35-60 %; but a first layer's input gradient (one input
// channel, so one row of the direct block) runs at 32 GFLOP/s direct against 55-79 through gemm
// with 32 output channels.
template <class T>
struct ConvKernels {
  void (*forward)(const T* input, const T* weight, T* output, const ConvGeometry& g, int64_t buffer_bytes,
                  const T* bias);
  void (*backward_input)(const T* output_grad, const T* weight, T* input_grad, const ConvGeometry& g,
                         int64_t buffer_bytes);
  void (*backward_weight)(const T* input, const T* output_grad, T* weight_grad, const ConvGeometry& g,
                          int64_t buffer_bytes, T* bias_grad);
};

template <class T>
ConvKernels<T> conv2d_kernels(const ConvGeometry& g) {
  ConvKernels<T> chosen{kernels::conv_forward_im2col<T>, kernels::conv_backward_input_im2col<T>,
                        kernels::conv_backward_weight_im2col<T>};
  if (!kernels::conv_direct_applies(g)) {  // stride 2: the blocks along channels, where they apply
    if (kernels::conv_direct_forward_applies<T>(g)) chosen.forward = kernels::conv_forward_direct<T>;
    if (kernels::conv_direct_weight_gradient_applies<T>(g))
      chosen.backward_weight = kernels::conv_backward_weight_direct<T>;
    return chosen;
  }
  const bool many_outputs = g.out_channels >= 16;
  if (kernels::conv_winograd_applies<T>(g)) {
    chosen.forward = kernels::conv_forward_winograd<T>;
    chosen.backward_input = kernels::conv_backward_input_winograd<T>;
    chosen.backward_weight = kernels::conv_backward_weight_winograd<T>;
    return chosen;
  }
  chosen.forward = kernels::conv_forward_direct<T>;
  if (g.in_channels >= 4 || !many_outputs) chosen.backward_input = kernels::conv_backward_input_direct<T>;
  if (g.group_rows() >= 32 || !many_outputs) chosen.backward_weight = kernels::conv_backward_weight_direct<T>;
  return chosen;
}

// The convolution's output (N, C_out, out_h, out_w) from its input (N, C_in, H, W), plus the
// bias (C_out) where one is given, added by the kernel as it writes each image's output.
Tensor convolution_forward(const Tensor& input, const Tensor& weight, const ConvGeometry& g,
                           const Tensor& bias = Tensor()) {
  Tensor out = Tensor::empty(Shape{g.batch, g.out_channels, g.out_h, g.out_w}, input.dtype());
  const Tensor x = input.contiguous(), w = weight.contiguous(), b = bias.defined() ? bias.contiguous() : bias;
  dispatch(x.dtype(), [&]<class T>() {
    conv2d_kernels<T>(g).forward(x.data<T>(), w.data<T>(), out.data<T>(), g, kernels::kColumnBufferBytes,
                                 b.defined() ? b.data<T>() : nullptr);
  });
  return out;
}

// The gradient (N, C_in, H, W) of the convolution's input from that of its output.
Tensor convolution_backward_input(const Tensor& output_grad, const Tensor& weight, const ConvGeometry& g) {
  Tensor dx = Tensor::empty(Shape{g.batch, g.in_channels, g.in_h, g.in_w}, output_grad.dtype());
  const Tensor dy = output_grad.contiguous(), w = weight.contiguous();
  dispatch(dy.dtype(), [&]<class T>() {
    conv2d_kernels<T>(g).backward_input(dy.data<T>(), w.data<T>(), dx.data<T>(), g, kernels::kColumnBufferBytes);
  });
  return dx;
}

// The gradient (C_out, C_in / groups, kh, kw) of the weight, summed over the batch; and that of
// the bias (C_out) into `bias_grad` where it is given (defined), taken as the weight gradient
// reads dy.
Tensor convolution_backward_weight(const Tensor& input, const Tensor& output_grad, const ConvGeometry& g,
                                   Tensor* bias_grad = nullptr) {
  Tensor dw = Tensor::empty(Shape{g.out_channels, g.in_channels / g.groups, g.kernel_h, g.kernel_w}, input.dtype());
  if (bias_grad) *bias_grad = Tensor::empty(Shape{g.out_channels}, input.dtype());
  const Tensor x = input.contiguous(), dy = output_grad.contiguous();
  dispatch(x.dtype(), [&]<class T>() {
    conv2d_kernels<T>(g).backward_weight(x.data<T>(), dy.data<T>(), dw.data<T>(), g, kernels::kColumnBufferBytes,
                                         bias_grad ? bias_grad->data<T>() : nullptr);
  });
  return dw;
}

// y (N, C, H, W) += bias (C), in place on a fresh output; images split over threads.
void add_channel_bias(Tensor& y, const Tensor& bias) {
  const Tensor b = bias.contiguous();
  const int64_t batch = y.shape()[0], channels = y.shape()[1], plane = y.shape()[2] * y.shape()[3];
  dispatch(y.dtype(), [&]<class T>() {
    T* py = y.data<T>();
    const T* pb = b.data<T>();
    kernels::parallel_ranges(batch, 1, y.numel(), kParallelThreshold, [&](int64_t begin, int64_t end) {
      for (int64_t n = begin; n < end; ++n) kernels::add_image_bias(py + n * channels * plane, pb, channels, plane);
    });
  });
}

// The bias gradient: g (N, C, H, W) summed over N, H and W as the weight gradient's kernels
// sum it (kernels/bias_sums.hpp: each image's sums in double in fixed lanes, then the images in
// order), so a bias gets the same bits with or without its weight's gradient; images split
// over threads.
Tensor channel_sums(const Tensor& grad) {
  const Tensor g = grad.contiguous();
  const int64_t batch = g.shape()[0], channels = g.shape()[1], plane = g.shape()[2] * g.shape()[3];
  Tensor out = Tensor::empty(Shape{channels}, g.dtype());
  std::vector<double> image_sums(static_cast<std::size_t>(batch * channels));
  dispatch(g.dtype(), [&]<class T>() {
    const T* pg = g.data<T>();
    kernels::parallel_ranges(batch, 1, g.numel(), kParallelThreshold, [&](int64_t begin, int64_t end) {
      for (int64_t n = begin; n < end; ++n)
        kernels::image_channel_sums(pg + n * channels * plane, channels, plane, image_sums.data() + n * channels);
    });
    kernels::add_image_sums(image_sums, batch, channels, out.data<T>());
  });
  return out;
}

// Checks that hold for both convolutions: ranks, dtypes, positive strides and dilations,
// non-negative padding, groups dividing both channel counts, a bias of (C_out).
void check_common(const char* op, const Tensor& x, const Tensor& weight, const Tensor& bias, Pair stride, Pair dilation,
                  int64_t groups, int64_t in_channels, int64_t out_channels) {
  const std::string name = op;
  check_same_dtype(x, weight, op);
  if (stride.h <= 0 || stride.w <= 0) throw ValueError(name + ": stride must be positive, got " + stride.str());
  if (dilation.h <= 0 || dilation.w <= 0) throw ValueError(name + ": dilation must be positive, got " + dilation.str());
  if (groups <= 0) throw ValueError(name + ": groups must be positive, got " + std::to_string(groups));
  if (in_channels % groups != 0 || out_channels % groups != 0)
    throw ValueError(name + ": groups=" + std::to_string(groups) + " must divide both the " +
                     std::to_string(in_channels) + " input and the " + std::to_string(out_channels) +
                     " output channels (weight " + weight.shape().str() + ")");
  if (bias.defined()) {
    check_same_dtype(x, bias, op);
    if (bias.dim() != 1 || bias.shape()[0] != out_channels)
      throw ShapeError(name + ": bias of shape " + bias.shape().str() + " does not match the " +
                       std::to_string(out_channels) + " output channels (expected [" + std::to_string(out_channels) +
                       "])");
  }
}

void check_ranks(const char* op, const Tensor& x, const Tensor& weight) {
  if (x.dim() != 4)
    throw ShapeError(std::string(op) + ": expected input (N, C, H, W) or (C, H, W), got shape " + x.shape().str());
  if (weight.dim() != 4)
    throw ShapeError(std::string(op) + ": expected a 4-D weight, got shape " + weight.shape().str());
  for (int d = 0; d < 4; ++d)
    if (weight.shape()[d] == 0) throw ShapeError(std::string(op) + ": weight " + weight.shape().str() + " is empty");
}

// Images of `channels` planes of h x w.
struct Images {
  int64_t channels, h, w;
};

// The geometry of a conv2d whose weight (C_out, C_in / groups, kh, kw) slides over `batch`
// images `in` to give `out`, padded by pad.h rows on top and pad.w columns on the left.
// conv_transpose2d runs the conv2d that maps its output back to its input.
ConvGeometry sliding(const Tensor& weight, int64_t groups, int64_t batch, Images in, Images out, Pair stride, Pair pad,
                     Pair dilation) {
  return ConvGeometry{.batch = batch,
                      .groups = groups,
                      .in_channels = in.channels,
                      .in_h = in.h,
                      .in_w = in.w,
                      .out_channels = out.channels,
                      .out_h = out.h,
                      .out_w = out.w,
                      .kernel_h = weight.shape()[2],
                      .kernel_w = weight.shape()[3],
                      .stride_h = stride.h,
                      .stride_w = stride.w,
                      .pad_top = pad.h,
                      .pad_left = pad.w,
                      .dilation_h = dilation.h,
                      .dilation_w = dilation.w};
}

// conv2d's geometry from its arguments, with every check and a one-line error.
ConvGeometry conv2d_geometry(const Tensor& x, const Tensor& weight, const Tensor& bias, Pair stride, Sides pad,
                             Pair dilation, int64_t groups) {
  check_ranks("conv2d", x, weight);
  const int64_t channels = x.shape()[1], out_channels = weight.shape()[0];
  check_common("conv2d", x, weight, bias, stride, dilation, groups, channels, out_channels);
  if (weight.shape()[1] * groups != channels)
    throw ShapeError("conv2d: input has " + std::to_string(channels) + " channels, weight expects " +
                     std::to_string(weight.shape()[1] * groups) + " (weight " + weight.shape().str() +
                     (groups > 1 ? ", groups=" + std::to_string(groups) : std::string()) + ")");
  if (pad.top < 0 || pad.bottom < 0 || pad.left < 0 || pad.right < 0)
    throw ValueError("conv2d: padding must be non-negative, got (" + std::to_string(pad.top) + ", " +
                     std::to_string(pad.left) + ")");
  const int64_t kernel_h = dilation.h * (weight.shape()[2] - 1) + 1;  // the effective (dilated) kernel
  const int64_t kernel_w = dilation.w * (weight.shape()[3] - 1) + 1;
  const int64_t padded_h = x.shape()[2] + pad.top + pad.bottom, padded_w = x.shape()[3] + pad.left + pad.right;
  if (kernel_h > padded_h || kernel_w > padded_w)
    throw ShapeError("conv2d: kernel " + std::to_string(kernel_h) + "x" + std::to_string(kernel_w) + " (weight " +
                     weight.shape().str() + ", dilation " + dilation.str() + ") is larger than the padded input " +
                     std::to_string(padded_h) + "x" + std::to_string(padded_w) + " (input " + x.shape().str() + ")");
  return sliding(weight, groups, x.shape()[0], {channels, x.shape()[2], x.shape()[3]},
                 {out_channels, (padded_h - kernel_h) / stride.h + 1, (padded_w - kernel_w) / stride.w + 1}, stride,
                 {pad.top, pad.left}, dilation);
}

// conv2d of a batch (N, C_in, H, W); padding may differ on the two sides of a dim.
Tensor convolve(const Tensor& x, const Tensor& weight, const Tensor& bias, Pair stride, Sides pad, Pair dilation,
                int64_t groups) {
  const ConvGeometry g = conv2d_geometry(x, weight, bias, stride, pad, dilation, groups);
  Tensor y = convolution_forward(x, weight, g, bias);
  if (!any_requires_grad({x, weight, bias})) return y;
  return record(y, "conv2d", {x, weight, bias}, [x = x.detach(), w = weight.detach(), g](Node& node, const Tensor& dy) {
    if (node.needs_grad(0)) node.accumulate(0, convolution_backward_input(dy, w, g));  // col2im(W^T dy)
    if (node.needs_grad(1)) {  // sum_n dy_n cols_n^T, and the bias's sums as it reads dy
      Tensor db;
      node.accumulate(1, convolution_backward_weight(x, dy, g, node.needs_grad(2) ? &db : nullptr));
      if (node.needs_grad(2)) node.accumulate(2, db);
    } else if (node.needs_grad(2)) {
      node.accumulate(2, channel_sums(dy));
    }
  });
}

// Runs f on a batch: an unbatched (C, H, W) input becomes a batch of one and back, as torch.
template <class F>
Tensor batched(const Tensor& x, F f) {
  if (x.dim() == 3) return f(x.unsqueeze(0)).squeeze(0);
  return f(x);
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Pair stride, Pair padding, Pair dilation,
              int64_t groups) {
  return batched(x, [&](const Tensor& batch) {
    return convolve(batch, weight, bias, stride, Sides{padding.h, padding.h, padding.w, padding.w}, dilation, groups);
  });
}

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Pair stride, PaddingMode padding,
              Pair dilation, int64_t groups) {
  if (padding == PaddingMode::valid) return conv2d(x, weight, bias, stride, 0, dilation, groups);
  if (stride.h != 1 || stride.w != 1)
    throw ValueError("conv2d: padding='same' needs stride 1, got stride " + stride.str());
  if (weight.dim() != 4) throw ShapeError("conv2d: expected a 4-D weight, got shape " + weight.shape().str());
  // torch's _convolution_mode: total d (k - 1), the odd one at the bottom and right.
  const int64_t total_h = dilation.h * (weight.shape()[2] - 1), total_w = dilation.w * (weight.shape()[3] - 1);
  const Sides sides{total_h / 2, total_h - total_h / 2, total_w / 2, total_w - total_w / 2};
  return batched(x,
                 [&](const Tensor& batch) { return convolve(batch, weight, bias, stride, sides, dilation, groups); });
}

// conv_transpose2d(x) is the input gradient of the conv2d that maps its output (N, C_out,
// H_out, W_out) back to x's shape; its weight (C_in, C_out / groups, kh, kw) is that
// conv2d's weight.
Tensor conv_transpose2d(const Tensor& x_in, const Tensor& weight, const Tensor& bias, Pair stride, Pair padding,
                        Pair output_padding, int64_t groups, Pair dilation) {
  return batched(x_in, [&](const Tensor& x) {
    check_ranks("conv_transpose2d", x, weight);
    const int64_t in_channels = x.shape()[1], out_channels = weight.shape()[1] * groups;
    if (weight.shape()[0] != in_channels)
      throw ShapeError("conv_transpose2d: input has " + std::to_string(in_channels) + " channels, weight expects " +
                       std::to_string(weight.shape()[0]) + " (weight " + weight.shape().str() + ")");
    check_common("conv_transpose2d", x, weight, bias, stride, dilation, groups, in_channels, out_channels);
    if (padding.h < 0 || padding.w < 0 || output_padding.h < 0 || output_padding.w < 0)
      throw ValueError("conv_transpose2d: padding and output_padding must be non-negative, got " + padding.str() +
                       " and " + output_padding.str());
    if ((output_padding.h >= stride.h && output_padding.h >= dilation.h) ||
        (output_padding.w >= stride.w && output_padding.w >= dilation.w))
      throw ValueError("conv_transpose2d: output_padding " + output_padding.str() +
                       " must be smaller than either stride " + stride.str() + " or dilation " + dilation.str());
    const int64_t out_h =
        (x.shape()[2] - 1) * stride.h - 2 * padding.h + dilation.h * (weight.shape()[2] - 1) + output_padding.h + 1;
    const int64_t out_w =
        (x.shape()[3] - 1) * stride.w - 2 * padding.w + dilation.w * (weight.shape()[3] - 1) + output_padding.w + 1;
    if (out_h <= 0 || out_w <= 0)
      throw ShapeError("conv_transpose2d: output would be " + std::to_string(out_h) + "x" + std::to_string(out_w) +
                       " for input " + x.shape().str() + ", weight " + weight.shape().str() + ", stride " +
                       stride.str() + ", padding " + padding.str());
    const ConvGeometry g = sliding(weight, groups, x.shape()[0], {out_channels, out_h, out_w},
                                   {in_channels, x.shape()[2], x.shape()[3]}, stride, padding, dilation);
    Tensor y = convolution_backward_input(x, weight, g);
    if (bias.defined()) add_channel_bias(y, bias);
    if (!any_requires_grad({x, weight, bias})) return y;
    return record(y, "conv_transpose2d", {x, weight, bias},
                  [x = x.detach(), w = weight.detach(), g](Node& node, const Tensor& dy) {
                    if (node.needs_grad(0)) node.accumulate(0, convolution_forward(dy, w, g));
                    if (node.needs_grad(1)) node.accumulate(1, convolution_backward_weight(dy, x, g));
                    if (node.needs_grad(2)) node.accumulate(2, channel_sums(dy));
                  });
  });
}

}  // namespace descent
