// Gradient checks (central differences, float64) of conv2d, conv_transpose2d, the poolings,
// batch_norm, batch_norm_relu and pad, on inputs stored contiguously and seen through non-contiguous views.
#include <gtest/gtest.h>

#include "descent/ops/conv.hpp"
#include "gradcheck_helpers.hpp"

using namespace descent;
using namespace descent::testing;

namespace {

constexpr Layout kLayouts[] = {Layout::contiguous, Layout::transposed, Layout::strided};

// x of `shape` (as the op sees it) stored under `layout`.
Tensor input(const Shape& shape, Layout layout, Generator& gen) { return randn(stored_shape(shape, layout), gen); }

}  // namespace

TEST(GradcheckConv, Conv2d) {
  Generator gen(31);
  for (Layout layout : kLayouts) {
    const Tensor x = input(Shape{2, 4, 6, 5}, layout, gen);
    const Tensor w = randn(Shape{6, 4, 3, 3}, gen), b = randn(Shape{6}, gen);
    EXPECT_TRUE(
        passes_gradcheck([&](auto& in) { return conv2d(seen_as(in[0], layout), in[1], in[2], 1, 1); }, {x, w, b}))
        << layout_name(layout);
    EXPECT_TRUE(passes_gradcheck(
        [&](auto& in) {
          return conv2d(seen_as(in[0], layout), in[1], Tensor(), {2, 1}, {0, 1}, {1, 2});
        },
        {x, w}))
        << "stride, padding, dilation (" << layout_name(layout) << ")";
    const Tensor wg = randn(Shape{6, 2, 2, 3}, gen);
    EXPECT_TRUE(passes_gradcheck([&](auto& in) { return conv2d(seen_as(in[0], layout), in[1], in[2], 1, 1, 1, 2); },
                                 {x, wg, b}))
        << "groups 2 (" << layout_name(layout) << ")";
    const Tensor we = randn(Shape{3, 4, 2, 4}, gen);
    EXPECT_TRUE(passes_gradcheck(
        [&](auto& in) {
          return conv2d(seen_as(in[0], layout), in[1], Tensor(), 1, PaddingMode::same, {2, 1});
        },
        {x, we}))
        << "padding same, even kernel (" << layout_name(layout) << ")";
  }
  // A weight seen through a transposed view, and an unbatched (C, H, W) input.
  const Tensor w = randn(Shape{3, 2, 3, 3}, gen);
  EXPECT_TRUE(passes_gradcheck([](auto& in) { return conv2d(in[0], in[1].transpose(2, 3), Tensor(), 1, 1); },
                               {randn(Shape{2, 2, 4, 5}, gen), w}));
  EXPECT_TRUE(passes_gradcheck([](auto& in) { return conv2d(in[0], in[1], in[2]); },
                               {randn(Shape{2, 5, 4}, gen), w, randn(Shape{3}, gen)}));
}

TEST(GradcheckConv, ConvTranspose2d) {
  Generator gen(37);
  for (Layout layout : kLayouts) {
    const Tensor x = input(Shape{2, 4, 4, 3}, layout, gen);
    const Tensor w = randn(Shape{4, 3, 3, 3}, gen), b = randn(Shape{3}, gen);
    EXPECT_TRUE(
        passes_gradcheck([&](auto& in) { return conv_transpose2d(seen_as(in[0], layout), in[1], in[2], 2, 1, 1); },
                         {x, w, b}))
        << "stride 2, padding 1, output_padding 1 (" << layout_name(layout) << ")";
    const Tensor wg = randn(Shape{4, 1, 2, 3}, gen);
    EXPECT_TRUE(passes_gradcheck(
        [&](auto& in) {
          return conv_transpose2d(seen_as(in[0], layout), in[1], in[2], {1, 2}, 0, 0, 2, {2, 1});
        },
        {x, wg, randn(Shape{2}, gen)}))
        << "groups 2, dilation (" << layout_name(layout) << ")";
  }
}

TEST(GradcheckConv, MaxPool2d) {
  Generator gen(41);  // normal samples: no ties
  for (Layout layout : kLayouts) {
    const Tensor x = input(Shape{2, 3, 7, 6}, layout, gen);
    EXPECT_TRUE(passes_gradcheck([&](auto& in) { return max_pool2d(seen_as(in[0], layout), 2); }, {x}));
    EXPECT_TRUE(
        passes_gradcheck([&](auto& in) { return max_pool2d(seen_as(in[0], layout), 3, Pair{2, 2}, 1, 1, true); }, {x}))
        << "padding, ceil_mode (" << layout_name(layout) << ")";
    EXPECT_TRUE(
        passes_gradcheck([&](auto&
                                 in) { return max_pool2d(seen_as(in[0], layout), {2, 3}, Pair{1, 2}, {1, 0}, {2, 1}); },
                         {x}))
        << "dilation (" << layout_name(layout) << ")";
  }
}

TEST(GradcheckConv, AvgPool2d) {
  Generator gen(43);
  for (Layout layout : kLayouts) {
    const Tensor x = input(Shape{2, 3, 7, 6}, layout, gen);
    EXPECT_TRUE(passes_gradcheck([&](auto& in) { return avg_pool2d(seen_as(in[0], layout), 2); }, {x}));
    for (bool count_include_pad : {true, false}) {
      EXPECT_TRUE(passes_gradcheck(
          [&](auto& in) {
            return avg_pool2d(seen_as(in[0], layout), 3, Pair{2, 2}, 1, true, count_include_pad);
          },
          {x}))
          << "count_include_pad " << count_include_pad << " (" << layout_name(layout) << ")";
    }
  }
}

TEST(GradcheckConv, AdaptiveAvgPool2d) {
  Generator gen(47);
  for (Layout layout : kLayouts) {
    const Tensor x = input(Shape{2, 3, 7, 5}, layout, gen);
    for (Pair out : {Pair{3, 2}, Pair{1, 1}, Pair{7, 5}, Pair{9, 8}})
      EXPECT_TRUE(passes_gradcheck([&](auto& in) { return adaptive_avg_pool2d(seen_as(in[0], layout), out); }, {x}))
          << "to " << out.h << "x" << out.w << " (" << layout_name(layout) << ")";
  }
}

TEST(GradcheckConv, BatchNorm) {
  Generator gen(53);
  for (Layout layout : kLayouts) {
    const Tensor x = input(Shape{3, 4, 3, 5}, layout, gen);
    const Tensor w = randn(Shape{4}, gen), b = randn(Shape{4}, gen);
    EXPECT_TRUE(passes_gradcheck(
        [&](auto& in) { return batch_norm(seen_as(in[0], layout), Tensor(), Tensor(), in[1], in[2], true); },
        {x, w, b}))
        << "training (" << layout_name(layout) << ")";
    EXPECT_TRUE(passes_gradcheck(
        [&](auto& in) { return batch_norm(seen_as(in[0], layout), Tensor(), Tensor(), Tensor(), Tensor(), true); },
        {x}))
        << "training without weight and bias (" << layout_name(layout) << ")";
    const Tensor running_mean = randn(Shape{4}, gen), running_var = rand_between(Shape{4}, gen, 0.5, 2.0);
    EXPECT_TRUE(passes_gradcheck(
        [&](auto& in) { return batch_norm(seen_as(in[0], layout), running_mean, running_var, in[1], in[2], false); },
        {x, w, b}))
        << "evaluation (" << layout_name(layout) << ")";
  }
  // (N, C), and running statistics updated along the way.
  Tensor running_mean = Tensor::zeros(Shape{3}, DType::f64), running_var = Tensor::ones(Shape{3}, DType::f64);
  EXPECT_TRUE(
      passes_gradcheck([&](auto& in) { return batch_norm(in[0], running_mean, running_var, in[1], in[2], true, 0.3); },
                       {randn(Shape{5, 3}, gen), randn(Shape{3}, gen), randn(Shape{3}, gen)}));
}

// relu(batch_norm(x) + residual): through x, weight, bias and the residual, the residual seen
// through the same view as x; with batch and with running statistics, and without a residual.
TEST(GradcheckConv, BatchNormRelu) {
  Generator gen(61);
  for (Layout layout : kLayouts) {
    const Tensor x = input(Shape{3, 4, 3, 5}, layout, gen), r = input(Shape{3, 4, 3, 5}, layout, gen);
    const Tensor w = randn(Shape{4}, gen), b = randn(Shape{4}, gen);
    const auto fused = [&](const std::vector<Tensor>& in, const Tensor& mean, const Tensor& var, bool training) {
      return batch_norm_relu(seen_as(in[0], layout), seen_as(in[3], layout), mean, var, in[1], in[2], training);
    };
    EXPECT_TRUE(passes_gradcheck([&](auto& in) { return fused(in, Tensor(), Tensor(), true); }, {x, w, b, r}))
        << "training (" << layout_name(layout) << ")";
    EXPECT_TRUE(passes_gradcheck(
        [&](auto& in) {
          return batch_norm_relu(seen_as(in[0], layout), Tensor(), Tensor(), Tensor(), in[1], in[2], true);
        },
        {x, w, b}))
        << "training without a residual (" << layout_name(layout) << ")";
    const Tensor running_mean = randn(Shape{4}, gen), running_var = rand_between(Shape{4}, gen, 0.5, 2.0);
    EXPECT_TRUE(passes_gradcheck([&](auto& in) { return fused(in, running_mean, running_var, false); }, {x, w, b, r}))
        << "evaluation (" << layout_name(layout) << ")";
  }
}

TEST(GradcheckConv, Pad) {
  Generator gen(59);
  for (Layout layout : kLayouts) {
    const Tensor x = input(Shape{2, 3, 4, 5}, layout, gen);
    for (const std::vector<int64_t>& pads :
         {std::vector<int64_t>{1, 2}, {1, 2, 0, 3}, {-1, 2, 1, -2}, {0, 0, 0, 0}, {-2, -2, 1, 1}})
      EXPECT_TRUE(passes_gradcheck([&](auto& in) { return pad(seen_as(in[0], layout), pads, 0.5); }, {x}))
          << ::testing::PrintToString(pads) << " (" << layout_name(layout) << ")";
  }
}
