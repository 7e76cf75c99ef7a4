// Bad input to the convolution, pooling, batch-norm and pad ops: each mistake throws a descent
// exception with one line naming the op, the shapes and what was expected. Checked word for
// word, so a change to a message is a deliberate change here too.
#include <gtest/gtest.h>

#include "common/throws.hpp"
#include "descent/descent.hpp"
#include "descent/ops/conv.hpp"

using namespace descent;
using descent::testing::throws;

TEST(ConvErrors, Conv2dChannelsAndShapes) {
  EXPECT_TRUE(throws<ShapeError>([] { conv2d(zeros({2, 3, 32, 32}), zeros({6, 1, 5, 5})); },
                                 "conv2d: input has 3 channels, weight expects 1 (weight [6, 1, 5, 5])"));
  EXPECT_TRUE(throws<ShapeError>([] { conv2d(zeros({2, 4, 8, 8}), zeros({6, 1, 3, 3}), Tensor(), 1, 0, 1, 2); },
                                 "conv2d: input has 4 channels, weight expects 2 (weight [6, 1, 3, 3], groups=2)"));
  EXPECT_TRUE(throws<ShapeError>([] { conv2d(zeros({1, 3, 4, 4}), zeros({6, 3, 5, 5})); },
                                 "conv2d: kernel 5x5 (weight [6, 3, 5, 5], dilation (1, 1)) is larger than the padded "
                                 "input 4x4 (input [1, 3, 4, 4])"));
  EXPECT_TRUE(throws<ShapeError>([] { conv2d(zeros({1, 3, 4, 4}), zeros({6, 3, 3, 3}), Tensor(), 1, 0, 2); },
                                 "conv2d: kernel 5x5 (weight [6, 3, 3, 3], dilation (2, 2)) is larger than the padded "
                                 "input 4x4 (input [1, 3, 4, 4])"));
  EXPECT_TRUE(throws<ShapeError>([] { conv2d(zeros({3, 32, 32, 1, 1}), zeros({6, 3, 5, 5})); },
                                 "conv2d: expected input (N, C, H, W) or (C, H, W), got shape [3, 32, 32, 1, 1]"));
  EXPECT_TRUE(throws<ShapeError>([] { conv2d(zeros({1, 3, 8, 8}), zeros({6, 3, 5, 5}), zeros({5})); },
                                 "conv2d: bias of shape [5] does not match the 6 output channels (expected [6])"));
}

TEST(ConvErrors, Conv2dArguments) {
  EXPECT_TRUE(throws<ValueError>([] { conv2d(zeros({1, 3, 8, 8}), zeros({6, 3, 3, 3}), Tensor(), {0, 1}); },
                                 "conv2d: stride must be positive, got (0, 1)"));
  EXPECT_TRUE(throws<ValueError>([] { conv2d(zeros({1, 3, 8, 8}), zeros({6, 1, 3, 3}), Tensor(), 1, 0, 1, 2); },
                                 "conv2d: groups=2 must divide both the 3 input and the 6 output channels "
                                 "(weight [6, 1, 3, 3])"));
  EXPECT_TRUE(throws<ValueError>([] { conv2d(zeros({1, 4, 8, 8}), zeros({6, 2, 3, 3}), Tensor(), 1, 0, 1, 4); },
                                 "conv2d: groups=4 must divide both the 4 input and the 6 output channels "
                                 "(weight [6, 2, 3, 3])"));
  EXPECT_TRUE(
      throws<ValueError>([] { conv2d(zeros({1, 3, 8, 8}), zeros({6, 3, 3, 3}), Tensor(), 2, PaddingMode::same); },
                         "conv2d: padding='same' needs stride 1, got stride (2, 2)"));
  EXPECT_TRUE(throws<ValueError>([] { conv2d(zeros({1, 3, 8, 8}), zeros({6, 3, 3, 3}), Tensor(), 1, -1); },
                                 "conv2d: padding must be non-negative, got (-1, -1)"));
}

TEST(ConvErrors, ConvTranspose2d) {
  EXPECT_TRUE(throws<ShapeError>([] { conv_transpose2d(zeros({1, 3, 4, 4}), zeros({4, 2, 3, 3})); },
                                 "conv_transpose2d: input has 3 channels, weight expects 4 (weight [4, 2, 3, 3])"));
  EXPECT_TRUE(throws<ValueError>([] { conv_transpose2d(zeros({1, 4, 4, 4}), zeros({4, 2, 3, 3}), Tensor(), 2, 0, 2); },
                                 "conv_transpose2d: output_padding (2, 2) must be smaller than either stride (2, 2) or "
                                 "dilation (1, 1)"));
  EXPECT_TRUE(throws<ValueError>([] { conv_transpose2d(zeros({1, 4, 4, 4}), zeros({4, 2, 3, 3}), Tensor(), 0); },
                                 "conv_transpose2d: stride must be positive, got (0, 0)"));
  EXPECT_TRUE(throws<ShapeError>([] { conv_transpose2d(zeros({1, 4, 1, 1}), zeros({4, 2, 1, 1}), Tensor(), 1, 1); },
                                 "conv_transpose2d: output would be -1x-1 for input [1, 4, 1, 1], weight [4, 2, 1, 1], "
                                 "stride (1, 1), "
                                 "padding (1, 1)"));
}

TEST(ConvErrors, Pooling) {
  EXPECT_TRUE(throws<ShapeError>([] { max_pool2d(zeros({1, 3, 2, 2}), 3); },
                                 "max_pool2d: kernel (3, 3) (dilation (1, 1)) is larger than the padded input 2x2 "
                                 "(input [1, 3, 2, 2], "
                                 "padding (0, 0))"));
  EXPECT_TRUE(throws<ValueError>([] { max_pool2d(zeros({1, 3, 8, 8}), 3, Pair(2), 2); },
                                 "max_pool2d: padding (2, 2) must be between 0 and half the kernel size (3, 3)"));
  EXPECT_TRUE(throws<ValueError>([] { avg_pool2d(zeros({1, 3, 8, 8}), 2, Pair(0)); },
                                 "avg_pool2d: stride must be positive, got (0, 0)"));
  EXPECT_TRUE(throws<ShapeError>([] { avg_pool2d(zeros({8, 8}), 2); },
                                 "avg_pool2d: expected input (N, C, H, W) or (C, H, W), got shape [8, 8]"));
  EXPECT_TRUE(throws<ValueError>([] { adaptive_avg_pool2d(zeros({1, 3, 8, 8}), {0, 2}); },
                                 "adaptive_avg_pool2d: output_size must be positive, got (0, 2)"));
}

TEST(ConvErrors, BatchNormAndPad) {
  EXPECT_TRUE(
      throws<ShapeError>([] { batch_norm(zeros({1, 3, 1, 1}), Tensor(), Tensor(), Tensor(), Tensor(), true); },
                         "batch_norm: expected more than 1 value per channel when training, got input [1, 3, 1, 1]"));
  EXPECT_TRUE(
      throws<ShapeError>([] { batch_norm(zeros({2, 3, 4, 4}), zeros({4}), zeros({3}), Tensor(), Tensor(), true); },
                         "batch_norm: running_mean of shape [4] does not match input [2, 3, 4, 4] (expected [3])"));
  EXPECT_TRUE(throws<ValueError>([] { batch_norm(zeros({2, 3, 4, 4}), Tensor(), Tensor()); },
                                 "batch_norm: evaluation mode needs running_mean and running_var"));
  EXPECT_TRUE(throws<ShapeError>([] { batch_norm_relu(zeros({2, 3, 4, 4}), zeros({2, 3, 4}), Tensor(), Tensor()); },
                                 "batch_norm_relu: residual of shape [2, 3, 4] does not match input [2, 3, 4, 4] "
                                 "(expected the same shape)"));
  EXPECT_TRUE(throws<ShapeError>(
      [] {
        batch_norm_relu(zeros({2, 3, 4, 4}), zeros({2, 3, 4, 4}).to(DType::f64), Tensor(), Tensor(), {}, {}, true);
      },
      "batch_norm_relu: dtypes differ (float32 and float64); convert one with .to()"));
  EXPECT_TRUE(throws<ValueError>([] { batch_norm_relu(zeros({2, 3, 4, 4}), Tensor(), Tensor(), Tensor()); },
                                 "batch_norm_relu: evaluation mode needs running_mean and running_var"));
  EXPECT_TRUE(throws<ValueError>([] { pad(zeros({2, 3, 4}), {1, 1, 1}); },
                                 "pad: expected {left, right} or {left, right, top, bottom}, got {1, 1, 1}"));
  EXPECT_TRUE(throws<ShapeError>([] { pad(zeros({4}), {1, 1, 1, 1}); },
                                 "pad: {1, 1, 1, 1} pads the last 2 dims, but the input has shape [4]"));
  EXPECT_TRUE(throws<ShapeError>([] { pad(zeros({2, 3}), {-2, -2}); },
                                 "pad: {-2, -2} would leave dim 1 of input [2, 3] with -1 elements"));
}
