// Conv2d, ConvTranspose2d and Dropout2d; initialization as torch.nn's _ConvNd.reset_parameters.
#include "descent/nn/conv.hpp"

#include <cmath>

#include "descent/nn/global_batch.hpp"
#include "descent/nn/init.hpp"
#include "descent/ops/ops.hpp"

namespace descent {

namespace {

void check_layer(const char* layer, int64_t in_channels, int64_t out_channels, Pair kernel_size, int64_t groups) {
  const std::string name = layer;
  if (in_channels <= 0 || out_channels <= 0)
    throw ValueError(name + ": in_channels and out_channels must be positive, got " + std::to_string(in_channels) +
                     " and " + std::to_string(out_channels));
  if (kernel_size.h <= 0 || kernel_size.w <= 0)
    throw ValueError(name + ": kernel_size must be positive, got " + kernel_size.str());
  if (groups <= 0 || in_channels % groups != 0 || out_channels % groups != 0)
    throw ValueError(name + ": groups=" + std::to_string(groups) + " must divide in_channels " +
                     std::to_string(in_channels) + " and out_channels " + std::to_string(out_channels));
}

// torch's _ConvNd.reset_parameters: kaiming_uniform_(weight, a=sqrt(5)) and a bias ~ U(-k, k),
// k = 1/sqrt(fan_in), fan_in from the weight's dim 1 and kernel.
Tensor initialized_weight(const Shape& shape, DType dtype, Generator* gen) {
  Tensor w = Tensor::empty(shape, dtype);
  init::kaiming_uniform_(w, std::sqrt(5.0), init::FanMode::fan_in, "leaky_relu", gen);
  return w;
}

Tensor initialized_bias(const Tensor& weight, int64_t out_channels, Generator* gen) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(init::fans(weight).first));
  Tensor b = Tensor::empty(Shape{out_channels}, weight.dtype());
  init::uniform_(b, -bound, bound, gen);
  return b;
}

}  // namespace

std::string pair_repr(Pair p) { return p.h == p.w ? std::to_string(p.h) : p.str(); }

ConvNd::ConvNd(const char* layer, int64_t in, int64_t out, Pair kernel, int64_t groups, bool transposed, bool with_bias,
               DType dtype, Generator* gen)
    : in_channels(in), out_channels(out), kernel_size(kernel) {
  check_layer(layer, in, out, kernel, groups);
  const Shape shape =
      transposed ? Shape{in, out / groups, kernel.h, kernel.w} : Shape{out, in / groups, kernel.h, kernel.w};
  weight = register_parameter("weight", initialized_weight(shape, dtype, gen));
  if (with_bias) bias = register_parameter("bias", initialized_bias(weight, out, gen));
}

std::string ConvNd::sizes_repr(Pair stride) const {
  return std::to_string(in_channels) + ", " + std::to_string(out_channels) + ", kernel_size=" + kernel_size.str() +
         ", stride=" + stride.str();
}

std::string ConvNd::groups_and_bias_repr(int64_t groups) const {
  std::string s;
  if (groups != 1) s += ", groups=" + std::to_string(groups);
  if (!bias.defined()) s += ", bias=false";
  return s;
}

Conv2d::Conv2d(int64_t in, int64_t out, Pair kernel, const Conv2dOptions& opts, DType dtype, Generator* gen)
    : ConvNd("Conv2d", in, out, kernel, opts.groups, /*transposed=*/false, opts.bias, dtype, gen), options(opts) {}

Tensor Conv2d::forward(const Tensor& x) {
  if (options.padding_same)
    return conv2d(x, weight, bias, options.stride, PaddingMode::same, options.dilation, options.groups);
  return conv2d(x, weight, bias, options.stride, options.padding, options.dilation, options.groups);
}

// As torch: the sizes always, the rest where it differs from the default.
std::string Conv2d::extra_repr() const {
  std::string s = sizes_repr(options.stride);
  if (options.padding_same)
    s += ", padding=same";
  else if (!(options.padding == Pair(0)))
    s += ", padding=" + options.padding.str();
  if (!(options.dilation == Pair(1))) s += ", dilation=" + options.dilation.str();
  return s + groups_and_bias_repr(options.groups);
}

ConvTranspose2d::ConvTranspose2d(int64_t in, int64_t out, Pair kernel, const ConvTranspose2dOptions& opts, DType dtype,
                                 Generator* gen)
    : ConvNd("ConvTranspose2d", in, out, kernel, opts.groups, /*transposed=*/true, opts.bias, dtype, gen),
      options(opts) {}

Tensor ConvTranspose2d::forward(const Tensor& x) {
  return conv_transpose2d(x, weight, bias, options.stride, options.padding, options.output_padding, options.groups,
                          options.dilation);
}

std::string ConvTranspose2d::extra_repr() const {
  std::string s = sizes_repr(options.stride);
  if (!(options.padding == Pair(0))) s += ", padding=" + options.padding.str();
  if (!(options.dilation == Pair(1))) s += ", dilation=" + options.dilation.str();
  if (!(options.output_padding == Pair(0))) s += ", output_padding=" + options.output_padding.str();
  return s + groups_and_bias_repr(options.groups);
}

Tensor dropout2d(const Tensor& x, double p, bool training, Generator* gen) {
  if (!(p >= 0.0 && p <= 1.0)) throw ValueError("dropout2d: p must be in [0, 1], got " + format_number(p));
  if (x.dim() != 4) throw ShapeError("dropout2d: expected input (N, C, H, W), got shape " + x.shape().str());
  if (!training || p == 0.0) return x;
  // One Bernoulli(1 - p) draw per (image, channel), broadcast over the feature map; under data
  // parallelism those of this rank's images of the global batch (nn/global_batch.hpp).
  Generator& g = gen ? *gen : default_generator();
  Tensor mask = Tensor::empty(Shape{x.shape()[0], x.shape()[1], 1, 1}, x.dtype());
  const RowsAround around = rows_around(x.shape()[0], "dropout2d");
  skip_draws(g, around.before * x.shape()[1]);
  dispatch(x.dtype(), [&]<class T>() {
    T* m = mask.data<T>();
    const T scale = p == 1.0 ? T(0) : static_cast<T>(1.0 / (1.0 - p));
    for (int64_t i = 0; i < mask.numel(); ++i) m[i] = g.uniform() >= p ? scale : T(0);
  });
  skip_draws(g, around.after * x.shape()[1]);
  return mul(x, mask);
}

Dropout2d::Dropout2d(double prob, Generator* gen) : p(prob), gen_(gen) {
  if (!(p >= 0.0 && p <= 1.0)) throw ValueError("Dropout2d: p must be in [0, 1], got " + format_number(p));
}

Tensor Dropout2d::forward(const Tensor& x) { return dropout2d(x, p, is_training(), gen_); }

std::string Dropout2d::extra_repr() const { return "p=" + format_number(p); }

}  // namespace descent
