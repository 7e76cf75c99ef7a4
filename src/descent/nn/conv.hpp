// Convolution layers, as torch.nn.Conv2d and torch.nn.ConvTranspose2d, and channel-wise
// dropout for their feature maps, as torch.nn.Dropout2d. Input (N, C, H, W) or (C, H, W).
#pragma once
#include "descent/core/rng.hpp"
#include "descent/nn/module.hpp"
#include "descent/ops/conv.hpp"

namespace descent {

// torch.nn.Conv2d's keyword arguments, with its defaults:
//   Conv2d(3, 16, 3, {.padding = 1, .bias = false})
struct Conv2dOptions {
  Pair stride = 1;
  Pair padding = 0;
  bool padding_same = false;  // padding='same' (stride 1); `padding` is then unused
  Pair dilation = 1;
  int64_t groups = 1;
  bool bias = true;
};

// What Conv2d and ConvTranspose2d share, as torch.nn's _ConvNd: the sizes, a weight
// initialized by kaiming_uniform_ with a = sqrt(5) and a bias ~ U(-k, k), k = 1/sqrt(fan_in),
// fan_in from the weight's dim 1 and kernel (torch's _ConvNd.reset_parameters).
class ConvNd : public Module {
 public:
  Tensor weight;
  Tensor bias;  // (out), undefined when the layer has no bias
  int64_t in_channels, out_channels;
  Pair kernel_size;

 protected:
  // Checks the sizes (ValueError naming `layer`), then registers the weight, (out, in / groups,
  // kh, kw) or when `transposed` (in, out / groups, kh, kw) as torch's _ConvNd, and, when
  // `with_bias`, the bias.
  ConvNd(const char* layer, int64_t in_channels, int64_t out_channels, Pair kernel_size, int64_t groups,
         bool transposed, bool with_bias, DType dtype, Generator* gen);
  // "in, out, kernel_size=(kh, kw), stride=(sh, sw)", how torch's repr begins.
  std::string sizes_repr(Pair stride) const;
  // ", groups=G" and ", bias=false" where they differ from the default, how torch's repr ends.
  std::string groups_and_bias_repr(int64_t groups) const;
};

// weight (out, in / groups, kh, kw), bias (out). Initialized as torch.nn.Conv2d: weight by
// kaiming_uniform_ with a = sqrt(5), bias ~ U(-k, k), k = 1/sqrt(fan_in), fan_in = in / groups kh kw.
class Conv2d : public ConvNd {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Pair kernel_size, const Conv2dOptions& options = {},
         DType dtype = DType::f32, Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;
  std::string name() const override { return "Conv2d"; }
  std::string extra_repr() const override;
  Conv2dOptions options;
};

// torch.nn.ConvTranspose2d's keyword arguments, with its defaults.
struct ConvTranspose2dOptions {
  Pair stride = 1;
  Pair padding = 0;
  Pair output_padding = 0;
  int64_t groups = 1;
  bool bias = true;
  Pair dilation = 1;
};

// weight (in, out / groups, kh, kw), bias (out). Initialized as torch.nn.ConvTranspose2d:
// as Conv2d, with fan_in = out / groups kh kw (the weight's dim 1 and kernel).
class ConvTranspose2d : public ConvNd {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, Pair kernel_size,
                  const ConvTranspose2dOptions& options = {}, DType dtype = DType::f32, Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;
  std::string name() const override { return "ConvTranspose2d"; }
  std::string extra_repr() const override;
  ConvTranspose2dOptions options;
};

// Channel-wise inverted dropout (Tompson et al. 2015): in training each (image, channel)
// feature map is zeroed with probability p, the others scaled by 1/(1-p); evaluation is the
// identity. x (N, C, H, W).
Tensor dropout2d(const Tensor& x, double p, bool training, Generator* gen = nullptr);

class Dropout2d : public Module {
 public:
  explicit Dropout2d(double p = 0.5, Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;
  std::string name() const override { return "Dropout2d"; }
  std::string extra_repr() const override;
  double p;

 private:
  Generator* gen_;
};

// How torch prints a size: 3 when both dims agree, (3, 5) otherwise.
std::string pair_repr(Pair p);

}  // namespace descent
