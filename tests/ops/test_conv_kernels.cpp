// Both families of convolution kernels, im2col + gemm and the direct kernels of stride 1,
// against their naive twins, direct seven-loop convolutions, over strides, padding (symmetric
// and not), dilation, groups, channel counts that leave ragged register blocks, and tile sizes;
// in double and in float; and the same bits at one thread and at two.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "common/naive_conv.hpp"
#include "descent/descent.hpp"
#include "descent/kernels/bias_sums.hpp"
#include "descent/kernels/conv_direct.hpp"
#include "descent/kernels/im2col.hpp"
#include "descent/ops/conv.hpp"

using namespace descent;
using descent::testing::direct_convolution;
using kernels::ConvGeometry;

namespace {

constexpr double kTolerance = 1e-12;  // double sums in another order

std::vector<double> random_values(int64_t n, Generator& gen) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (double& x : v) x = gen.normal();
  return v;
}

struct Sizes {
  int64_t input, weight, output;
};

Sizes sizes(const ConvGeometry& g) {
  return {g.batch * g.in_channels * g.in_plane(), g.out_channels * g.group_rows(),
          g.batch * g.out_channels * g.out_plane()};
}

ConvGeometry geometry(int64_t batch, int64_t groups, int64_t cin, int64_t h, int64_t w, int64_t cout, int64_t kh,
                      int64_t kw, int64_t stride, int64_t pad_top, int64_t pad_left, int64_t pad_bottom,
                      int64_t dilation) {
  ConvGeometry g{.batch = batch,
                 .groups = groups,
                 .in_channels = cin,
                 .in_h = h,
                 .in_w = w,
                 .out_channels = cout,
                 .kernel_h = kh,
                 .kernel_w = kw,
                 .stride_h = stride,
                 .stride_w = stride + 1,
                 .pad_top = pad_top,
                 .pad_left = pad_left,
                 .dilation_h = dilation,
                 .dilation_w = 1};
  g.out_h = (h + pad_top + pad_bottom - dilation * (kh - 1) - 1) / stride + 1;
  g.out_w = (w + 2 * pad_left - (kw - 1) - 1) / (stride + 1) + 1;
  return g;
}

const std::vector<ConvGeometry>& geometries() {
  static const std::vector<ConvGeometry> all = {
      geometry(2, 1, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1),  // 3x3, padding 1
      geometry(3, 1, 2, 9, 8, 3, 3, 2, 2, 0, 0, 0, 1),  // strided, 3x2 kernel
      geometry(2, 2, 4, 8, 8, 6, 3, 3, 1, 2, 1, 2, 2),  // groups 2, dilation 2
      geometry(1, 3, 3, 5, 7, 3, 2, 2, 1, 0, 1, 1, 1),  // depthwise, asymmetric padding (same, even kernel)
      geometry(5, 1, 2, 4, 4, 2, 1, 1, 1, 0, 0, 0, 1),  // 1x1
      geometry(2, 1, 1, 3, 3, 2, 3, 3, 2, 1, 1, 1, 1),  // padding wider than what stride reaches
  };
  return all;
}

// Geometries of stride 1 for the direct kernels: ragged blocks of output channels (13 = 8 + 4 + 1,
// 6) and of taps (2 x 5 x 5 = 50 = 8 x 6 + 2), rows whose outputs end inside a vector, padding
// from none to k - 1 on each side (torch's 'same' for an even kernel).
ConvGeometry stride_one(int64_t batch, int64_t cin, int64_t h, int64_t w, int64_t cout, int64_t kh, int64_t kw,
                        int64_t pad_top, int64_t pad_bottom, int64_t pad_left, int64_t pad_right) {
  ConvGeometry g{.batch = batch,
                 .in_channels = cin,
                 .in_h = h,
                 .in_w = w,
                 .out_channels = cout,
                 .kernel_h = kh,
                 .kernel_w = kw,
                 .pad_top = pad_top,
                 .pad_left = pad_left};
  g.out_h = h + pad_top + pad_bottom - kh + 1;
  g.out_w = w + pad_left + pad_right - kw + 1;
  return g;
}

const std::vector<ConvGeometry>& direct_geometries() {
  static const std::vector<ConvGeometry> all = {
      stride_one(3, 3, 7, 6, 13, 3, 3, 1, 1, 1, 1),    // 3x3, padding 1 (ResNet's)
      stride_one(2, 2, 9, 11, 6, 5, 5, 2, 2, 2, 2),    // 5x5 'same' (2c2d's), 6 channels (LeNet's)
      stride_one(2, 4, 10, 10, 17, 5, 5, 0, 0, 0, 0),  // no padding (LeNet's second)
      stride_one(4, 3, 5, 7, 4, 2, 2, 0, 1, 0, 1),     // 'same' with an even kernel
      stride_one(5, 2, 4, 4, 3, 1, 1, 0, 0, 0, 0),     // 1x1
      stride_one(2, 1, 20, 3, 9, 3, 2, 2, 0, 1, 0),    // uneven padding, a 3x2 kernel
      // Output channels filling whole vectors, 128 taps or more: the blocks along channels (one,
      // two and four vectors of them at every level's width, rows longer than a register block)
      stride_one(2, 16, 6, 30, 16, 3, 3, 1, 1, 1, 1),
      stride_one(2, 15, 5, 6, 32, 3, 3, 1, 1, 1, 1),
      stride_one(2, 16, 5, 7, 64, 3, 3, 1, 1, 1, 1),
      stride_one(1, 6, 6, 6, 64, 5, 5, 2, 0, 2, 2),  // uneven padding: rows meeting fewer kernel rows
      stride_one(2, 6, 6, 9, 32, 5, 5, 2, 2, 2, 2),
      stride_one(2, 6, 8, 8, 16, 5, 5, 0, 0, 0, 0),
  };
  return all;
}

// Geometries of stride 2 that the blocks along output channels take (forward and weight
// gradient): ResNet's downsampling 3 x 3 with padding 1 on even and odd inputs, 5 x 5
// kernels strided in one dim only, and rows longer than a register block.
ConvGeometry strided(int64_t batch, int64_t cin, int64_t h, int64_t w, int64_t cout, int64_t k, int64_t stride_h,
                     int64_t stride_w, int64_t pad) {
  ConvGeometry g{.batch = batch,
                 .in_channels = cin,
                 .in_h = h,
                 .in_w = w,
                 .out_channels = cout,
                 .kernel_h = k,
                 .kernel_w = k,
                 .stride_h = stride_h,
                 .stride_w = stride_w,
                 .pad_top = pad,
                 .pad_left = pad};
  g.out_h = (h + 2 * pad - k) / stride_h + 1;
  g.out_w = (w + 2 * pad - k) / stride_w + 1;
  return g;
}

const std::vector<ConvGeometry>& strided_geometries() {
  static const std::vector<ConvGeometry> all = {strided(2, 16, 8, 8, 32, 3, 2, 2, 1),
                                                strided(2, 16, 7, 9, 64, 3, 2, 2, 1),
                                                strided(1, 6, 9, 8, 16, 5, 2, 1, 2),
                                                strided(2, 8, 6, 11, 32, 5, 1, 2, 2),
                                                strided(1, 16, 4, 62, 32, 3, 1, 2, 1)};  // rows of several blocks
  return all;
}

// The three products of a kernel family, in this order.
enum Which { kForward, kInputGradient, kWeightGradient };
const char* const kProductNames[] = {"forward", "input gradient", "weight gradient"};
template <class T>
using Product = void (*)(const T*, const T*, T*, const ConvGeometry&, int64_t);
template <class T>
using Products = std::array<Product<T>, 3>;

template <class T>
Products<T> im2col_products() {
  using namespace kernels;
  return {[](const T* x, const T* w, T* y, const ConvGeometry& g, int64_t bytes) {
            conv_forward_im2col<T>(x, w, y, g, bytes);
          },
          conv_backward_input_im2col<T>,
          [](const T* x, const T* dy, T* dw, const ConvGeometry& g, int64_t bytes) {
            conv_backward_weight_im2col<T>(x, dy, dw, g, bytes);
          }};
}

template <class T>
Products<T> direct_products() {
  using namespace kernels;
  return {[](const T* x, const T* w, T* y, const ConvGeometry& g, int64_t bytes) {
            conv_forward_direct<T>(x, w, y, g, bytes);
          },
          conv_backward_input_direct<T>,
          [](const T* x, const T* dy, T* dw, const ConvGeometry& g, int64_t bytes) {
            conv_backward_weight_direct<T>(x, dy, dw, g, bytes);
          }};
}

// The forwards with a bias, which they add as they write each image's output.
template <class T>
using ForwardWithBias = void (*)(const T*, const T*, T*, const ConvGeometry&, int64_t, const T*);

// A family of kernels, in double and in float, and the geometries it takes.
struct Family {
  const char* name;
  const std::vector<ConvGeometry>& (*geometries)();
  Products<double> in_double;
  Products<float> in_float;
};

const std::vector<Family>& families() {
  static const std::vector<Family> all = {
      {"im2col", geometries, im2col_products<double>(), im2col_products<float>()},
      {"direct", direct_geometries, direct_products<double>(), direct_products<float>()},
  };
  return all;
}

// Buffer sizes: one image per tile, two per tile, the default (whole batch here).
std::vector<int64_t> buffer_sizes(const ConvGeometry& g) {
  return {1, 2 * g.columns_per_image() * static_cast<int64_t>(sizeof(double)), kernels::kColumnBufferBytes};
}

void expect_near_all(const std::vector<double>& actual, const std::vector<double>& expected, const std::string& what,
                     double tolerance = kTolerance) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i)
    ASSERT_NEAR(actual[i], expected[i], tolerance * (1.0 + std::abs(expected[i]))) << what << " element " << i;
}

// Product `which` of one family in double at every buffer size, and in float at the default
// one, on operands a and b, against `expected`.
void expect_product(const Family& f, Which which, const ConvGeometry& g, const std::vector<double>& a,
                    const std::vector<double>& b, const std::vector<double>& expected) {
  const std::string name = std::string(f.name) + " " + kProductNames[which];
  for (int64_t bytes : buffer_sizes(g)) {
    std::vector<double> out(expected.size(), -1.0);
    f.in_double[which](a.data(), b.data(), out.data(), g, bytes);
    expect_near_all(out, expected, name);
  }
  const std::vector<float> af(a.begin(), a.end()), bf(b.begin(), b.end());
  std::vector<float> out(expected.size(), -1.0F);
  f.in_float[which](af.data(), bf.data(), out.data(), g, kernels::kColumnBufferBytes);
  expect_near_all(std::vector<double>(out.begin(), out.end()), expected, name + " (float)", 1e-4);
}

}  // namespace

TEST(ConvKernels, ForwardMatchesDirectConvolution) {
  Generator gen(3);
  for (const Family& f : families())
    for (const ConvGeometry& g : f.geometries()) {
      const Sizes s = sizes(g);
      const std::vector<double> x = random_values(s.input, gen), w = random_values(s.weight, gen);
      std::vector<double> expected(static_cast<std::size_t>(s.output), 0.0);
      direct_convolution(g, [&](int64_t o, int64_t k, int64_t i) { expected[o] += w[k] * x[i]; });
      expect_product(f, kForward, g, x, w, expected);
    }
}

// A forward with a bias gives the bits of the forward without one, plus the bias, in the order
// conv2d used to add it (after the product); at every level's blocks and in float and double.
template <class T>
void expect_bias_added(ForwardWithBias<T> forward, const ConvGeometry& g, Generator& gen) {
  const Sizes s = sizes(g);
  const std::vector<double> x64 = random_values(s.input, gen), w64 = random_values(s.weight, gen),
                            b64 = random_values(g.out_channels, gen);
  const std::vector<T> x(x64.begin(), x64.end()), w(w64.begin(), w64.end()), b(b64.begin(), b64.end());
  std::vector<T> plain(static_cast<std::size_t>(s.output)), biased(plain.size());
  forward(x.data(), w.data(), plain.data(), g, kernels::kColumnBufferBytes, nullptr);
  forward(x.data(), w.data(), biased.data(), g, kernels::kColumnBufferBytes, b.data());
  const int64_t plane = g.out_h * g.out_w;
  for (std::size_t i = 0; i < plain.size(); ++i)
    ASSERT_EQ(biased[i], plain[i] + b[static_cast<std::size_t>(i / plane % g.out_channels)]) << "element " << i;
}

TEST(ConvKernels, ForwardAddsTheBias) {
  Generator gen(4);
  for (const ConvGeometry& g : direct_geometries()) {
    expect_bias_added<double>(kernels::conv_forward_direct<double>, g, gen);
    expect_bias_added<float>(kernels::conv_forward_direct<float>, g, gen);
  }
  for (const ConvGeometry& g : geometries()) {
    expect_bias_added<double>(kernels::conv_forward_im2col<double>, g, gen);
    expect_bias_added<float>(kernels::conv_forward_im2col<float>, g, gen);
  }
}

// The weight gradients with the bias gradient beside them: the same weight gradient bits as
// without, and the bias gradient of kernels/bias_sums.hpp (the same bits from both families,
// near the plain sum).
template <class T>
using WeightGradientWithBias = void (*)(const T*, const T*, T*, const ConvGeometry&, int64_t, T*);

template <class T>
void expect_bias_gradient(WeightGradientWithBias<T> gradient, const ConvGeometry& g, Generator& gen) {
  const Sizes s = sizes(g);
  const std::vector<double> x64 = random_values(s.input, gen), dy64 = random_values(s.output, gen);
  const std::vector<T> x(x64.begin(), x64.end()), dy(dy64.begin(), dy64.end());
  std::vector<T> dw(static_cast<std::size_t>(s.weight)), dw_alone(dw.size()),
      db(static_cast<std::size_t>(g.out_channels));
  std::vector<T> db_images(db.size());
  gradient(x.data(), dy.data(), dw_alone.data(), g, kernels::kColumnBufferBytes, nullptr);
  gradient(x.data(), dy.data(), dw.data(), g, kernels::kColumnBufferBytes, db.data());
  EXPECT_EQ(dw, dw_alone);
  const int64_t plane = g.out_h * g.out_w;
  std::vector<double> sums(static_cast<std::size_t>(g.batch * g.out_channels));
  for (int64_t n = 0; n < g.batch; ++n)
    kernels::image_channel_sums(dy.data() + n * g.out_channels * plane, g.out_channels, plane,
                                sums.data() + n * g.out_channels);
  kernels::add_image_sums(sums, g.batch, g.out_channels, db_images.data());
  EXPECT_EQ(db, db_images);
  for (int64_t o = 0; o < g.out_channels; ++o) {
    double plain = 0.0;
    for (int64_t n = 0; n < g.batch; ++n)
      for (int64_t p = 0; p < plane; ++p)
        plain += static_cast<double>(dy[static_cast<std::size_t>((n * g.out_channels + o) * plane + p)]);
    EXPECT_NEAR(static_cast<double>(db[static_cast<std::size_t>(o)]), plain, 1e-5 * (1.0 + std::abs(plain)));
  }
}

TEST(ConvKernels, WeightGradientGivesTheBiasGradient) {
  Generator gen(6);
  for (const ConvGeometry& g : direct_geometries()) {
    expect_bias_gradient<double>(kernels::conv_backward_weight_direct<double>, g, gen);
    expect_bias_gradient<float>(kernels::conv_backward_weight_direct<float>, g, gen);
  }
  for (const ConvGeometry& g : geometries()) {
    expect_bias_gradient<double>(kernels::conv_backward_weight_im2col<double>, g, gen);
    expect_bias_gradient<float>(kernels::conv_backward_weight_im2col<float>, g, gen);
  }
}

TEST(ConvKernels, InputGradientMatchesDirectConvolution) {
  Generator gen(5);
  for (const Family& f : families())
    for (const ConvGeometry& g : f.geometries()) {
      const Sizes s = sizes(g);
      const std::vector<double> dy = random_values(s.output, gen), w = random_values(s.weight, gen);
      std::vector<double> expected(static_cast<std::size_t>(s.input), 0.0);
      direct_convolution(g, [&](int64_t o, int64_t k, int64_t i) { expected[i] += w[k] * dy[o]; });
      expect_product(f, kInputGradient, g, dy, w, expected);
    }
}

TEST(ConvKernels, WeightGradientMatchesDirectConvolution) {
  Generator gen(7);
  for (const Family& f : families())
    for (const ConvGeometry& g : f.geometries()) {
      const Sizes s = sizes(g);
      const std::vector<double> x = random_values(s.input, gen), dy = random_values(s.output, gen);
      std::vector<double> expected(static_cast<std::size_t>(s.weight), 0.0);
      direct_convolution(g, [&](int64_t o, int64_t k, int64_t i) { expected[k] += x[i] * dy[o]; });
      expect_product(f, kWeightGradient, g, x, dy, expected);
    }
}

TEST(ConvKernels, StridedDirectMatchesDirectConvolution) {
  Generator gen(8);
  const Family& direct = families()[1];
  for (const ConvGeometry& g : strided_geometries()) {
    ASSERT_TRUE(kernels::conv_direct_forward_applies<float>(g) && kernels::conv_direct_forward_applies<double>(g));
    const Sizes s = sizes(g);
    const std::vector<double> x = random_values(s.input, gen), w = random_values(s.weight, gen),
                              dy = random_values(s.output, gen);
    std::vector<double> y(static_cast<std::size_t>(s.output), 0.0), dw(static_cast<std::size_t>(s.weight), 0.0);
    direct_convolution(g, [&](int64_t o, int64_t k, int64_t i) {
      y[o] += w[k] * x[i];
      dw[k] += x[i] * dy[o];
    });
    expect_product(direct, kForward, g, x, w, y);
    // The weight gradient along channels needs AVX-512 (DESCENT_CPU may lower the level).
    if (kernels::conv_direct_weight_gradient_applies<float>(g) &&
        kernels::conv_direct_weight_gradient_applies<double>(g))
      expect_product(direct, kWeightGradient, g, x, dy, dw);
  }
}

// The direct kernels take stride 1 without dilation or groups, and padding below the kernel.
TEST(ConvKernels, DirectKernelsTakeStrideOneOnly) {
  for (const ConvGeometry& g : direct_geometries()) EXPECT_TRUE(kernels::conv_direct_applies(g));
  for (const ConvGeometry& g : geometries()) EXPECT_FALSE(kernels::conv_direct_applies(g));  // stride_w 2
  EXPECT_FALSE(kernels::conv_direct_applies(stride_one(1, 1, 5, 5, 1, 3, 3, 3, 3, 1, 1)));   // padding 3 >= 3
}

TEST(ConvKernels, Col2imIsTheAdjointOfIm2col) {
  Generator gen(9);
  for (const ConvGeometry& g : geometries()) {
    const int64_t image = g.in_channels * g.in_plane(), columns = g.columns_per_image();
    const std::vector<double> x = random_values(image, gen), c = random_values(columns, gen);
    std::vector<double> unfolded(static_cast<std::size_t>(columns)), folded(static_cast<std::size_t>(image), 0.0);
    kernels::im2col<double>(x.data(), g, unfolded.data());
    kernels::col2im<double>(c.data(), g, folded.data());
    double lhs = 0.0, rhs = 0.0;  // <im2col(x), c> = <x, col2im(c)>
    for (int64_t i = 0; i < columns; ++i) lhs += unfolded[i] * c[i];
    for (int64_t i = 0; i < image; ++i) rhs += x[i] * folded[i];
    EXPECT_NEAR(lhs, rhs, kTolerance * (1.0 + std::abs(lhs)));
  }
}

// A convolution big enough to be split over threads gives the same bits on one thread and two.
TEST(ConvKernels, SameBitsAtAnyThreadCount) {
  Generator gen(11);
  const Tensor x = Tensor::normal(Shape{8, 8, 16, 16}, 0, 1, DType::f32, &gen);
  const Tensor w = Tensor::normal(Shape{16, 8, 3, 3}, 0, 0.2, DType::f32, &gen);
  const Tensor b = Tensor::normal(Shape{16}, 0, 1, DType::f32, &gen);
  const Tensor dy = Tensor::normal(Shape{8, 16, 16, 16}, 0, 1, DType::f32, &gen);
  auto run = [&](int threads) {
    set_num_threads(threads);
    Tensor xi = x.clone().requires_grad_(), wi = w.clone().requires_grad_(), bi = b.clone().requires_grad_();
    Tensor y = conv2d(xi, wi, bi, 1, 1);
    Tensor pooled = max_pool2d(y, 2);
    Tensor normed = batch_norm(y, Tensor(), Tensor(), Tensor(), Tensor(), true);
    (y * dy + normed * dy).backward(Tensor::ones(y.shape(), DType::f32));
    return std::vector<std::vector<double>>{y.to_vector(), pooled.to_vector(), xi.grad().to_vector(),
                                            wi.grad().to_vector(), bi.grad().to_vector()};
  };
  const int before = get_num_threads();
  const auto one = run(1), two = run(2);
  set_num_threads(before);
  for (std::size_t i = 0; i < one.size(); ++i) EXPECT_EQ(one[i], two[i]) << "result " << i;
}

// A batch of no images gives outputs of no images, and weight and bias gradients of zeros.
TEST(ConvKernels, EmptyBatch) {
  Tensor x = Tensor::zeros(Shape{0, 3, 8, 8}, DType::f64).requires_grad_();
  Tensor w = Tensor::ones(Shape{6, 3, 3, 3}, DType::f64).requires_grad_();
  Tensor b = Tensor::ones(Shape{6}, DType::f64).requires_grad_();
  const Tensor y = conv2d(x, w, b);
  EXPECT_EQ(y.shape(), (Shape{0, 6, 6, 6}));
  sum(max_pool2d(y, 2)).backward();
  EXPECT_EQ(w.grad().to_vector(), std::vector<double>(6 * 3 * 3 * 3, 0.0));
  EXPECT_EQ(b.grad().to_vector(), std::vector<double>(6, 0.0));
  EXPECT_EQ(x.grad().shape(), x.shape());
  EXPECT_EQ(conv_transpose2d(Tensor::zeros(Shape{0, 6, 4, 4}, DType::f64), w).shape(), (Shape{0, 3, 6, 6}));
  EXPECT_EQ(avg_pool2d(Tensor::zeros(Shape{0, 2, 4, 4}, DType::f64), 2).shape(), (Shape{0, 2, 2, 2}));
}
