// The Winograd kernels (kernels/conv_winograd.hpp) against a naive convolution in double: the
// forward with its bias, the input gradient, and the weight and bias gradients, for F(2, 3),
// F(4, 3) and F(2, 5), over ResNet's and 2c2d's
// layers, odd sizes that cut the last tiles, padding from none to k - 1 on either side, and
// channel counts of one to four vectors; which geometries they take; and the same bits at one
// thread and at two.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "common/naive_conv.hpp"
#include "descent/descent.hpp"
#include "descent/kernels/conv_winograd.hpp"
#include "descent/kernels/cpu.hpp"
#include "descent/ops/conv.hpp"

using namespace descent;
using descent::testing::direct_convolution;
using kernels::ConvGeometry;

namespace {

bool have_avx512() { return kernels::cpu_level() == kernels::CpuLevel::avx512; }

// Stride 1, square kernel k, padding top/left and bottom/right.
ConvGeometry geometry(int64_t batch, int64_t cin, int64_t h, int64_t w, int64_t cout, int64_t k, int64_t pad,
                      int64_t pad_end) {
  return ConvGeometry{.batch = batch,
                      .in_channels = cin,
                      .in_h = h,
                      .in_w = w,
                      .out_channels = cout,
                      .out_h = h + pad + pad_end - k + 1,
                      .out_w = w + pad + pad_end - k + 1,
                      .kernel_h = k,
                      .kernel_w = k,
                      .pad_top = pad,
                      .pad_left = pad};
}

std::vector<ConvGeometry> winograd_geometries() {
  return {
      geometry(2, 16, 28, 28, 16, 3, 1, 1),  // ResNet-20's first stage
      geometry(2, 32, 14, 14, 32, 3, 1, 1),  // its second
      geometry(3, 64, 7, 7, 64, 3, 1, 1),    // its third: 7 outputs, the last tile cut
      geometry(2, 32, 14, 14, 64, 5, 2, 2),  // 2c2d's second layer
      geometry(1, 16, 13, 9, 48, 3, 1, 1),   // odd rows and columns, three vectors of outputs
      geometry(1, 48, 10, 11, 16, 3, 0, 0),  // no padding
      geometry(1, 16, 9, 12, 32, 3, 2, 0),   // padding on one side only
      geometry(1, 16, 11, 8, 16, 5, 4, 1),   // padding of k - 1
      geometry(2, 16, 6, 7, 32, 5, 1, 2),
      geometry(1, 16, 15, 15, 32, 3, 1, 1),  // 4 x 4 tiles for the weight gradient, the last ones cut
      geometry(1, 32, 15, 15, 32, 3, 1, 1),  // 4 x 4 tiles for all three
      geometry(1, 32, 16, 15, 48, 3, 2, 0),  // 4 x 4 tiles, padding on one side
  };
}

// The three products in double, from the naive convolution's multiply-adds: y = conv(x, w) + b
// (no bias where b is empty), dx for dy, and dw for x and dy.
std::vector<double> naive_forward(const ConvGeometry& g, const std::vector<double>& x, const std::vector<double>& w,
                                  const std::vector<double>& b) {
  std::vector<double> y(static_cast<std::size_t>(g.batch * g.out_channels * g.out_plane()), 0.0);
  direct_convolution(g, [&](int64_t o, int64_t k, int64_t i) { y[o] += w[k] * x[i]; });
  if (!b.empty())
    for (std::size_t o = 0; o < y.size(); ++o) y[o] += b[o / g.out_plane() % g.out_channels];
  return y;
}

std::vector<double> naive_input_gradient(const ConvGeometry& g, const std::vector<double>& dy,
                                         const std::vector<double>& w) {
  std::vector<double> dx(static_cast<std::size_t>(g.batch * g.in_channels * g.in_plane()), 0.0);
  direct_convolution(g, [&](int64_t o, int64_t k, int64_t i) { dx[i] += w[k] * dy[o]; });
  return dx;
}

std::vector<double> naive_weight_gradient(const ConvGeometry& g, const std::vector<double>& x,
                                          const std::vector<double>& dy) {
  std::vector<double> dw(static_cast<std::size_t>(g.out_channels * g.group_rows()), 0.0);
  direct_convolution(g, [&](int64_t o, int64_t k, int64_t i) { dw[k] += x[i] * dy[o]; });
  return dw;
}

std::vector<double> normal_values(int64_t n, Generator& gen) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (double& x : v) x = gen.normal();
  return v;
}

std::vector<float> to_float(const std::vector<double>& v) { return {v.begin(), v.end()}; }

// The largest error of `actual` against `expected`, over the largest |expected|: the rounding
// of a float sum is on the scale of the largest values, not of each one.
double error_over_scale(const std::vector<float>& actual, const std::vector<double>& expected) {
  double error = 0, scale = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    error = std::max(error, std::abs(static_cast<double>(actual[i]) - expected[i]));
    scale = std::max(scale, std::abs(expected[i]));
  }
  return error / scale;
}

// Measured on these geometries: at most 3.2e-7 for F(2, 3) (the direct kernels in float: up to
// 6.9e-7), 5.5e-6 for F(4, 3) and 5.7e-6 for F(2, 5) (direct: up to 1.2e-6); the bounds leave
// room for other data, and a wrong tap or tile gives errors of order one.
double tolerance(const ConvGeometry& g, kernels::ConvProduct product) {
  return g.kernel_h == 3 && kernels::conv_winograd_tile(g, product) == 2 ? 2e-6 : 2e-5;
}

std::string describe(const ConvGeometry& g) {
  return std::to_string(g.in_channels) + "->" + std::to_string(g.out_channels) + " on " + std::to_string(g.in_h) + "x" +
         std::to_string(g.in_w) + ", kernel " + std::to_string(g.kernel_h) + ", pad " + std::to_string(g.pad_top);
}

}  // namespace

TEST(ConvWinograd, TilesOfFourWhereTheyPay) {
  using kernels::ConvProduct;
  const ConvGeometry first = geometry(2, 16, 28, 28, 16, 3, 1, 1), second = geometry(2, 32, 14, 14, 32, 3, 1, 1);
  const ConvGeometry third = geometry(2, 64, 7, 7, 64, 3, 1, 1), five = geometry(2, 32, 14, 14, 64, 5, 2, 2);
  EXPECT_EQ(kernels::conv_winograd_tile(first, ConvProduct::forward), 2);  // 16 channels: transforms dominate
  EXPECT_EQ(kernels::conv_winograd_tile(first, ConvProduct::weight_gradient), 4);
  EXPECT_EQ(kernels::conv_winograd_tile(second, ConvProduct::weight_gradient), 2);  // 16 x 16 outputs for 14 x 14
  EXPECT_EQ(kernels::conv_winograd_tile(third, ConvProduct::forward), 4);
  EXPECT_EQ(kernels::conv_winograd_tile(third, ConvProduct::input_gradient), 4);
  EXPECT_EQ(kernels::conv_winograd_tile(five, ConvProduct::weight_gradient), 2);
}

TEST(ConvWinograd, TakesStrideOneThreeAndFiveWithWholeVectorsOfChannels) {
  const ConvGeometry resnet = geometry(2, 16, 28, 28, 16, 3, 1, 1);
  EXPECT_EQ(kernels::conv_winograd_applies<float>(resnet), have_avx512());
  EXPECT_FALSE(kernels::conv_winograd_applies<double>(resnet));  // float only
  ConvGeometry strided = resnet;
  strided.stride_h = strided.stride_w = 2, strided.out_h = strided.out_w = 14;
  EXPECT_FALSE(kernels::conv_winograd_applies<float>(strided));
  EXPECT_FALSE(kernels::conv_winograd_applies<float>(geometry(2, 16, 28, 28, 16, 7, 3, 3)));  // kernel 7
  EXPECT_FALSE(kernels::conv_winograd_applies<float>(geometry(2, 8, 28, 28, 16, 3, 1, 1)));   // 8 channels in
  EXPECT_FALSE(kernels::conv_winograd_applies<float>(geometry(2, 16, 28, 28, 24, 3, 1, 1)));  // 24 out
  EXPECT_FALSE(kernels::conv_winograd_applies<float>(geometry(2, 16, 28, 28, 16, 3, 3, 1)));  // pad = k
  ConvGeometry dilated = resnet;
  dilated.dilation_h = 2, dilated.out_h = 26;
  EXPECT_FALSE(kernels::conv_winograd_applies<float>(dilated));
}

TEST(ConvWinograd, ForwardMatchesNaiveConvolution) {
  if (!have_avx512()) GTEST_SKIP() << "the Winograd kernels run on AVX-512 only";
  Generator gen(5);
  for (const ConvGeometry& g : winograd_geometries()) {
    ASSERT_TRUE(kernels::conv_winograd_applies<float>(g)) << describe(g);
    const auto x = normal_values(g.batch * g.in_channels * g.in_plane(), gen);
    const auto w = normal_values(g.out_channels * g.group_rows(), gen);
    const auto b = normal_values(g.out_channels, gen);
    const auto xf = to_float(x), wf = to_float(w), bf = to_float(b);
    for (const bool with_bias : {false, true}) {
      const auto expected = naive_forward(g, x, w, with_bias ? b : std::vector<double>());
      std::vector<float> y(expected.size(), -1.0F);
      kernels::conv_forward_winograd<float>(xf.data(), wf.data(), y.data(), g, 0, with_bias ? bf.data() : nullptr);
      EXPECT_LT(error_over_scale(y, expected), tolerance(g, kernels::ConvProduct::forward))
          << describe(g) << (with_bias ? " with bias" : "");
    }
  }
}

TEST(ConvWinograd, InputGradientMatchesNaiveConvolution) {
  if (!have_avx512()) GTEST_SKIP() << "the Winograd kernels run on AVX-512 only";
  Generator gen(6);
  for (const ConvGeometry& g : winograd_geometries()) {
    const auto dy = normal_values(g.batch * g.out_channels * g.out_plane(), gen);
    const auto w = normal_values(g.out_channels * g.group_rows(), gen);
    const auto expected = naive_input_gradient(g, dy, w);
    const auto dyf = to_float(dy), wf = to_float(w);
    std::vector<float> dx(expected.size(), -1.0F);
    kernels::conv_backward_input_winograd<float>(dyf.data(), wf.data(), dx.data(), g, 0);
    EXPECT_LT(error_over_scale(dx, expected), tolerance(g, kernels::ConvProduct::input_gradient)) << describe(g);
  }
}

TEST(ConvWinograd, WeightGradientMatchesNaiveConvolution) {
  if (!have_avx512()) GTEST_SKIP() << "the Winograd kernels run on AVX-512 only";
  Generator gen(7);
  for (const ConvGeometry& g : winograd_geometries()) {
    const auto x = normal_values(g.batch * g.in_channels * g.in_plane(), gen);
    const auto dy = normal_values(g.batch * g.out_channels * g.out_plane(), gen);
    const auto expected = naive_weight_gradient(g, x, dy);
    const auto xf = to_float(x), dyf = to_float(dy);
    std::vector<float> dw(expected.size(), -1.0F), db(static_cast<std::size_t>(g.out_channels), -1.0F);
    kernels::conv_backward_weight_winograd<float>(xf.data(), dyf.data(), dw.data(), g, 0, db.data());
    EXPECT_LT(error_over_scale(dw, expected), tolerance(g, kernels::ConvProduct::weight_gradient)) << describe(g);
    std::vector<double> bias_sums(db.size(), 0.0);
    for (int64_t n = 0; n < g.batch; ++n)
      for (int64_t o = 0; o < g.out_channels; ++o)
        for (int64_t q = 0; q < g.out_plane(); ++q)
          bias_sums[static_cast<std::size_t>(o)] +=
              dy[static_cast<std::size_t>((n * g.out_channels + o) * g.out_plane() + q)];
    EXPECT_LT(error_over_scale(db, bias_sums), 1e-6) << describe(g) << " bias";
  }
}

// conv2d's forward and gradients on the Winograd kernels give the same bits at one thread and
// at two.
TEST(ConvWinograd, SameBitsAtAnyThreadCount) {
  if (!have_avx512()) GTEST_SKIP() << "the Winograd kernels run on AVX-512 only";
  Generator gen(12);
  const Tensor x = Tensor::normal(Shape{6, 32, 14, 14}, 0, 1, DType::f32, &gen);
  const Tensor w = Tensor::normal(Shape{64, 32, 5, 5}, 0, 0.05, DType::f32, &gen);
  const Tensor b = Tensor::normal(Shape{64}, 0, 1, DType::f32, &gen);
  const Tensor dy = Tensor::normal(Shape{6, 64, 14, 14}, 0, 1, DType::f32, &gen);
  auto run = [&](int threads) {
    set_num_threads(threads);
    Tensor xi = x.clone().requires_grad_(), wi = w.clone().requires_grad_(), bi = b.clone().requires_grad_();
    Tensor y = conv2d(xi, wi, bi, 1, 2);
    y.backward(dy);
    return std::vector<std::vector<double>>{y.to_vector(), xi.grad().to_vector(), wi.grad().to_vector(),
                                            bi.grad().to_vector()};
  };
  const int before = get_num_threads();
  const auto one = run(1), two = run(2);
  set_num_threads(before);
  EXPECT_EQ(one[0], two[0]) << "output";
  EXPECT_EQ(one[1], two[1]) << "input gradient";
  EXPECT_EQ(one[2], two[2]) << "weight gradient";
  EXPECT_EQ(one[3], two[3]) << "bias gradient";
}

// A layer conv2d does not run on these kernels (ResNet's stride-2 32 -> 64) still gets its
// gradients right in float: the choice of kernels is per product, and each product's own.
TEST(ConvWinograd, StridedLayersAroundThemStayRight) {
  Generator gen(13);
  const Tensor x = Tensor::normal(Shape{4, 32, 14, 14}, 0, 1, DType::f64, &gen);
  const Tensor w = Tensor::normal(Shape{64, 32, 3, 3}, 0, 0.1, DType::f64, &gen);
  const Tensor dy = Tensor::normal(Shape{4, 64, 7, 7}, 0, 1, DType::f64, &gen);
  auto gradients = [&](DType dtype) {
    Tensor xi = x.to(dtype).clone().requires_grad_(), wi = w.to(dtype).clone().requires_grad_();
    conv2d(xi, wi, Tensor(), 2, 1).backward(dy.to(dtype));
    return std::vector<std::vector<double>>{xi.grad().to_vector(), wi.grad().to_vector()};
  };
  const auto in_double = gradients(DType::f64), in_float = gradients(DType::f32);
  for (std::size_t k = 0; k < in_double.size(); ++k) {
    double error = 0, scale = 0;
    for (std::size_t i = 0; i < in_double[k].size(); ++i) {
      error = std::max(error, std::abs(in_float[k][i] - in_double[k][i]));
      scale = std::max(scale, std::abs(in_double[k][i]));
    }
    EXPECT_LT(error / scale, 1e-5) << (k == 0 ? "input gradient" : "weight gradient");
  }
}
