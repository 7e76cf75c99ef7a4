// Bad input: every mistake a user can make with tensors and ops throws a descent exception
// whose message names the op and the shapes, dims, dtypes or values involved. The messages
// are checked word for word, so a change to one is a deliberate change here too.
#include <gtest/gtest.h>

#include "common/throws.hpp"
#include "descent/descent.hpp"

using namespace descent;
using descent::testing::throws;

namespace {

Tensor f32(const Shape& s) { return Tensor::zeros(s, DType::f32); }
Tensor f64(const Shape& s) { return Tensor::zeros(s, DType::f64); }

}  // namespace

// ---- shapes that do not fit

TEST(BadInput, MatmulShapesDoNotAlign) {
  EXPECT_TRUE(throws<ShapeError>([] { matmul(f32({64, 784}), f32({785, 256})); },
                                 "matmul: shapes [64, 784] and [785, 256] do not align (784 != 785)"));
  EXPECT_TRUE(
      throws<ShapeError>([] { matmul(f32({3}), f32({4})); }, "matmul: shapes [3] and [4] do not align (3 != 4)"));
  EXPECT_TRUE(throws<ShapeError>([] { matmul(f32({2, 3, 4}), f32({2, 5, 6})); },
                                 "matmul: shapes [2, 3, 4] and [2, 5, 6] do not align (4 != 5)"));
  EXPECT_TRUE(
      throws<ShapeError>([] { f32({2, 3}).matmul(f32({2})); }, "matmul: shapes [2, 3] and [2] do not align (3 != 2)"));
}

TEST(BadInput, MatmulBatchDimsDoNotBroadcast) {
  EXPECT_TRUE(throws<ShapeError>([] { matmul(f32({2, 3, 4}), f32({3, 4, 5})); },
                                 "matmul: batch dims of shapes [2, 3, 4] and [3, 4, 5] cannot be broadcast "
                                 "([2] and [3])"));
}

TEST(BadInput, MatmulOfAScalar) {
  EXPECT_TRUE(throws<ShapeError>([] { matmul(f32({}), f32({3})); },
                                 "matmul: both operands need at least 1 dim, got shapes [] and [3]"));
}

TEST(BadInput, LinearShapes) {
  EXPECT_TRUE(throws<ShapeError>([] { linear(f32({8, 784}), f32({256, 785})); },
                                 "linear: input of shape [8, 784] has 784 features but weight [256, 785] expects 785"));
  EXPECT_TRUE(throws<ShapeError>([] { linear(f32({8, 4}), f32({3, 4}), f32({4})); },
                                 "linear: bias of shape [4] does not match weight [3, 4] (expected [3])"));
  EXPECT_TRUE(
      throws<ShapeError>([] { linear(f32({8, 4}), f32({4})); }, "linear: weight must be 2-D (out, in), got shape [4]"));
}

TEST(BadInput, BroadcastingMismatch) {
  EXPECT_TRUE(throws<ShapeError>([] { add(f32({2, 3}), f32({4})); },
                                 "add: shapes [2, 3] and [4] cannot be broadcast (dim -1: 3 vs 4)"));
  EXPECT_TRUE(throws<ShapeError>([] { f32({5, 2, 3}) * f32({4, 3}); },
                                 "mul: shapes [5, 2, 3] and [4, 3] cannot be broadcast (dim -2: 2 vs 4)"));
  EXPECT_TRUE(throws<ShapeError>([] { maximum(f32({3}), f32({2})); },
                                 "maximum: shapes [3] and [2] cannot be broadcast (dim -1: 3 vs 2)"));
  EXPECT_TRUE(throws<ShapeError>([] { where(f32({3}), f32({3}), f32({2})); },
                                 "where: shapes [3] and [2] cannot be broadcast (dim -1: 3 vs 2)"));
}

TEST(BadInput, ReshapeViewExpand) {
  EXPECT_TRUE(throws<ShapeError>([] { f32({2, 3}).reshape(Shape{5}); },
                                 "reshape: shape [5] is invalid for a tensor of shape [2, 3] (6 elements)"));
  EXPECT_TRUE(throws<ShapeError>([] { f32({2, 3}).reshape(Shape{-1, 4}); },
                                 "reshape: shape [-1, 4] is invalid for a tensor of shape [2, 3] (6 elements)"));
  EXPECT_TRUE(
      throws<ShapeError>([] { f32({2, 3}).reshape(Shape{-1, -1}); }, "reshape: only one dim may be -1 in [-1, -1]"));
  EXPECT_TRUE(throws<ShapeError>([] { f32({2, 3}).t().view(Shape{6}); },
                                 "view: tensor of shape [3, 2] is not contiguous; use reshape() (which copies) or "
                                 "contiguous() first"));
  EXPECT_TRUE(throws<ShapeError>([] { f32({3, 2}).expand(Shape{3, 4}); },
                                 "expand: shape [3, 2] cannot be expanded to [3, 4] (dim 1: 2 vs 4)"));
  EXPECT_TRUE(
      throws<ShapeError>([] { f32({3, 2}).expand(Shape{2}); }, "expand: cannot expand shape [3, 2] to fewer dims [2]"));
  EXPECT_TRUE(throws<ShapeError>([] { f32({1, 2}).expand(Shape{-2, 2}); }, "expand: invalid size -2 in [-2, 2]"));
}

TEST(BadInput, ConcatAndStack) {
  EXPECT_TRUE(throws<ShapeError>([] { concat({f32({2, 3}), f32({2, 4})}, 0); },
                                 "concat: tensor 1 has shape [2, 4], which does not match [2, 3] except in dim 0"));
  EXPECT_TRUE(throws<ShapeError>([] { concat({f32({2, 3}), f32({6})}, 0); },
                                 "concat: tensor 1 has shape [6], which does not match [2, 3] except in dim 0"));
  EXPECT_TRUE(throws<ShapeError>([] { concat({}, 0); }, "concat: expects at least one tensor"));
  EXPECT_TRUE(throws<ShapeError>([] { concat({f32({}), f32({})}, 0); },
                                 "concat: tensor 0 has no dims; a 0-dim tensor cannot be concatenated"));
  EXPECT_TRUE(throws<ShapeError>([] { stack({f32({2, 3}), f32({3, 2})}, 0); },
                                 "stack: tensor 1 has shape [3, 2] but tensor 0 has [2, 3]; stack needs equal shapes"));
}

TEST(BadInput, SlicesAndSelect) {
  EXPECT_TRUE(
      throws<ShapeError>([] { f32({3, 4}).select(1, 4); }, "select: index 4 is out of range for dim 1 of size 4"));
  EXPECT_TRUE(
      throws<ShapeError>([] { f32({3, 4}).select(0, -4); }, "select: index -4 is out of range for dim 0 of size 3"));
  EXPECT_TRUE(throws<ShapeError>([] { f32({3, 4}).slice(0, 0, 2, 0); }, "slice: step must be positive, got 0"));
  EXPECT_TRUE(throws<ShapeError>([] { f32({}).slice(0, 0, 1); }, "slice: cannot slice a 0-dim tensor"));
  EXPECT_TRUE(
      throws<ShapeError>([] { f32({3, 4}).narrow(1, 2, 3); }, "narrow: start 2 + length 3 exceeds dim 1 of size 4"));
  EXPECT_TRUE(throws<ShapeError>([] { f32({2, 3}).permute({1, 1}); }, "permute: dim 1 repeated"));
  EXPECT_TRUE(
      throws<ShapeError>([] { f32({2, 3}).permute({0}); }, "permute: 1 dims given for a tensor of shape [2, 3]"));
  EXPECT_TRUE(
      throws<ShapeError>([] { f32({2, 3, 4}).t(); }, "t: expects a tensor with <= 2 dims, got shape [2, 3, 4]"));
}

// ---- a dim that does not exist

TEST(BadInput, DimOutOfRange) {
  EXPECT_TRUE(throws<ShapeError>([] { sum(f32({2, 3}), {2}); },
                                 "sum: dim 2 is out of range for a tensor with 2 dims (expected -2 to 1)"));
  EXPECT_TRUE(throws<ShapeError>([] { mean(f32({2, 3}), {-3}); },
                                 "mean: dim -3 is out of range for a tensor with 2 dims (expected -2 to 1)"));
  EXPECT_TRUE(throws<ShapeError>([] { sum(f32({2, 3}), {1, -1}); }, "sum: dim -1 appears more than once"));
  EXPECT_TRUE(throws<ShapeError>([] { max(f32({2, 3}), 2); },
                                 "max: dim 2 is out of range for a tensor with 2 dims (expected -2 to 1)"));
  EXPECT_TRUE(throws<ShapeError>([] { softmax(f32({4}), 1); },
                                 "softmax: dim 1 is out of range for a tensor with 1 dims (expected -1 to 0)"));
  EXPECT_TRUE(throws<ShapeError>([] { log_softmax(f32({4, 2}), -3); },
                                 "log_softmax: dim -3 is out of range for a tensor with 2 dims (expected -2 to 1)"));
  EXPECT_TRUE(throws<ShapeError>([] { f32({2, 3}).transpose(0, 2); },
                                 "transpose: dim 2 is out of range for a tensor with 2 dims (expected -2 to 1)"));
  EXPECT_TRUE(throws<ShapeError>([] { f32({2, 3}).unsqueeze(3); },
                                 "unsqueeze: dim 3 is out of range for a tensor with 3 dims (expected -3 to 2)"));
  EXPECT_TRUE(throws<ShapeError>([] { concat({f32({2}), f32({2})}, 1); },
                                 "concat: dim 1 is out of range for a tensor with 1 dims (expected -1 to 0)"));
  EXPECT_TRUE(throws<ShapeError>([] { f32({2, 3}).flatten(1, 0); }, "flatten: start_dim 1 comes after end_dim 0"));
  EXPECT_TRUE(throws<ShapeError>([] { f32({2, 3}).size(2); },
                                 "size: dim 2 is out of range for a tensor with 2 dims (expected -2 to 1)"));
  EXPECT_TRUE(throws<ShapeError>([] { f32({}).size(0); }, "size: a 0-dim tensor has no dim 0"));
}

// ---- mixed dtypes

TEST(BadInput, MixedDtypes) {
  EXPECT_TRUE(throws<ShapeError>([] { add(f32({2}), f64({2})); },
                                 "add: dtypes differ (float32 and float64); convert one with .to()"));
  EXPECT_TRUE(throws<ShapeError>([] { f64({2}) * f32({2}); },
                                 "mul: dtypes differ (float64 and float32); convert one with .to()"));
  EXPECT_TRUE(throws<ShapeError>([] { matmul(f32({2, 2}), f64({2, 2})); },
                                 "matmul: dtypes differ (float32 and float64); convert one with .to()"));
  EXPECT_TRUE(throws<ShapeError>([] { linear(f32({2, 2}), f32({2, 2}), f64({2})); },
                                 "linear: dtypes differ (float32 and float64); convert one with .to()"));
  EXPECT_TRUE(throws<ShapeError>([] { concat({f32({2}), f64({2})}); },
                                 "concat: dtypes differ (float32 and float64); convert one with .to()"));
  EXPECT_TRUE(throws<ShapeError>([] { where(f32({2}), f32({2}), f64({2})); },
                                 "where: dtypes differ (float32 and float64); convert one with .to()"));
  Tensor a = f32({2});
  EXPECT_TRUE(throws<ShapeError>([&] { a.add_(f64({2})); }, "add_: dtypes differ (float32 and float64)"));
  EXPECT_TRUE(throws<ShapeError>([] { f32({2}).data<double>(); }, "tensor of dtype float32 accessed as float64"));
}

// ---- autograd misuse

TEST(BadInput, BackwardThroughATensorThatNeedsNoGrad) {
  EXPECT_TRUE(throws<Error>([] { (f32({2}) * 2.0).sum().backward(); },
                            "backward: the tensor does not require grad and has no grad_fn (shape []); did you "
                            "forget requires_grad_() on a parameter, or compute it under NoGradGuard?"));
  Tensor w = f32({2}).requires_grad_();
  EXPECT_TRUE(throws<Error>(
      [&] {
        NoGradGuard guard;
        (w * 2.0).sum().backward();
      },
      "backward: the tensor does not require grad and has no grad_fn (shape []); did you forget requires_grad_() on "
      "a parameter, or compute it under NoGradGuard?"));
  EXPECT_TRUE(throws<Error>([&] { (w * 2.0).detach().sum().backward(); },
                            "backward: the tensor does not require grad and has no grad_fn (shape []); did you "
                            "forget requires_grad_() on a parameter, or compute it under NoGradGuard?"));
}

TEST(BadInput, BackwardGradientShape) {
  Tensor w = f32({2, 3}).requires_grad_();
  EXPECT_TRUE(throws<ShapeError>([&] { (w * 2.0).backward(); },
                                 "backward: a tensor of shape [2, 3] is not a scalar; pass a gradient of the same "
                                 "shape, as torch's backward(gradient)"));
  EXPECT_TRUE(
      throws<ShapeError>([&] { (w * 2.0).backward(f32({3, 2})); },
                         "backward: gradient of shape [3, 2] (float32) for a tensor of shape [2, 3] (float32)"));
  EXPECT_TRUE(
      throws<ShapeError>([&] { (w * 2.0).backward(f64({2, 3})); },
                         "backward: gradient of shape [2, 3] (float64) for a tensor of shape [2, 3] (float32)"));
}

TEST(BadInput, SecondBackwardWithoutRetainGraph) {
  Tensor w = f64({2}).requires_grad_();
  Tensor loss = (w * w).sum();
  loss.backward();
  EXPECT_TRUE(throws<Error>([&] { loss.backward(); },
                            "backward: the graph through 'sum' was already freed by an earlier backward; pass "
                            "retain_graph=true to the first call"));
  Tensor kept = (w * w).sum();
  kept.backward(Tensor(), /*retain_graph=*/true);
  EXPECT_NO_THROW(kept.backward());
}

TEST(BadInput, InPlaceOnALeafThatRequiresGrad) {
  Tensor w = f32({2}).requires_grad_();
  EXPECT_TRUE(throws<Error>([&] { w.fill_(1.0); },
                            "fill_: in-place update of a tensor that requires grad while grad mode is on; wrap it in "
                            "NoGradGuard (as torch.no_grad()) or use an out-of-place op"));
  NoGradGuard guard;
  EXPECT_NO_THROW(w.fill_(1.0));
}

TEST(BadInput, RequiresGradOnANonLeaf) {
  Tensor w = f32({2}).requires_grad_();
  Tensor y = w * 2.0;
  EXPECT_TRUE(throws<Error>([&] { y.requires_grad_(false); },
                            "requires_grad_(false) on a non-leaf tensor; use detach() to cut it from the graph"));
  EXPECT_TRUE(throws<Error>([] { f32({2}).retain_grad(); }, "retain_grad: the tensor does not require grad"));
  EXPECT_TRUE(throws<ShapeError>([&] { w.set_grad(f32({3})); },
                                 "set_grad: gradient of shape [3] (float32) for a tensor of shape [2] (float32)"));
}

TEST(BadInput, GradcheckNeedsFloat64) {
  EXPECT_TRUE(throws<ValueError>([] { gradcheck([](auto& in) { return in[0]; }, {f32({2})}); },
                                 "gradcheck: input 0 is float32; finite differences need float64"));
}

// ---- indices

TEST(BadInput, GatherIndexOutOfRange) {
  const Tensor x = f32({3, 4});
  EXPECT_TRUE(
      throws<ShapeError>([&] { gather(x, 1, Tensor::from_data({0, 5, 1}, Shape{3, 1}, DType::i64)); },
                         "gather: index 5 at position 1 is out of range for dim 1 of size 4 (input shape [3, 4])"));
  EXPECT_TRUE(
      throws<ShapeError>([&] { gather(x, 0, Tensor::from_data({-1, 0}, Shape{1, 2}, DType::i64)); },
                         "gather: index -1 at position 0 is out of range for dim 0 of size 3 (input shape [3, 4])"));
  EXPECT_TRUE(
      throws<ShapeError>([&] { gather(x, 1, Tensor::from_data({0.0}, Shape{1, 1})); },
                         "gather: index must be an int64 tensor, got float32; convert it with .to(DType::i64)"));
  EXPECT_TRUE(throws<ShapeError>([&] { gather(x, 1, f32({3})); },
                                 "gather: index of shape [3] must have as many dims as input [3, 4]"));
  EXPECT_TRUE(throws<ShapeError>([&] { gather(x, 1, f32({4, 1})); },
                                 "gather: index of shape [4, 1] is larger than input [3, 4] in dim 0"));
  EXPECT_TRUE(throws<ShapeError>([&] { gather(x, 2, f32({3, 1})); },
                                 "gather: dim 2 is out of range for a tensor with 2 dims (expected -2 to 1)"));
}

TEST(BadInput, IndexSelectAndOneHot) {
  const Tensor x = f32({3, 4});
  EXPECT_TRUE(
      throws<
          ShapeError>([&] { index_select(x, 0, Tensor::from_data({3}, Shape{1}, DType::i64)); },
                      "index_select: index 3 at position 0 is out of range for dim 0 of size 3 (input shape [3, 4])"));
  EXPECT_TRUE(throws<ShapeError>([&] { index_select(x, 0, f32({1, 1})); },
                                 "index_select: index must be 1-D, got shape [1, 1]"));
  EXPECT_TRUE(throws<ShapeError>([] { index_select(f32({}), 0, f32({1})); },
                                 "index_select: input must have at least 1 dim, got shape []"));
  EXPECT_TRUE(throws<ShapeError>([] { one_hot(Tensor::from_data({1, 10}, Shape{2}, DType::i64), 10); },
                                 "one_hot: index 10 at position 1 is out of range for 10 classes"));
  EXPECT_TRUE(throws<ValueError>([] { one_hot(f32({2}), 0); }, "one_hot: num_classes must be positive, got 0"));
}

// ---- values

TEST(BadInput, Values) {
  EXPECT_TRUE(throws<ValueError>([] { clamp(f32({2}), 1.0, 0.5); }, "clamp: min 1 is greater than max 0.5"));
  EXPECT_TRUE(throws<ValueError>([] { Tensor::arange(0, 5, 0); }, "arange: step must be nonzero"));
  EXPECT_TRUE(throws<ValueError>([] { Tensor::uniform({2}, 1.0, 0.0); }, "uniform_: lo 1 must be <= hi 0"));
  EXPECT_TRUE(throws<ValueError>([] { Tensor::normal({2}, 0.0, -1.0); }, "normal_: std must be >= 0, got -1"));
  EXPECT_TRUE(throws<ShapeError>([] { Tensor::from_data({1, 2, 3}, Shape{2, 2}); },
                                 "from_data: 3 values do not fill shape [2, 2] (4 elements)"));
  EXPECT_TRUE(throws<ShapeError>([] { Tensor::zeros(Shape{2, -1}); }, "empty: negative size in shape [2, -1]"));
  EXPECT_TRUE(throws<ShapeError>([] { f32({2}).item(); },
                                 "item: tensor of shape [2] has 2 elements; item() needs exactly one"));
  EXPECT_TRUE(throws<ShapeError>([] { f32({2, 2}).at({0, 2}); }, "at: index 2 is out of range for dim 1 of size 2"));
  EXPECT_TRUE(throws<ShapeError>([] { max(f32({0, 3})); }, "max: cannot reduce an empty tensor of shape [0, 3]"));
  EXPECT_TRUE(throws<ShapeError>([] { max(f32({0, 3}), 0); }, "max: cannot reduce dim 0 of size 0 (shape [0, 3])"));
  EXPECT_TRUE(
      throws<ShapeError>([] { Shape{1, 1, 1, 1, 1, 1, 1, 1, 1}; }, "shape has 9 dims; descent supports at most 8"));
  EXPECT_TRUE(throws<Error>([] { Tensor().shape(); }, "use of an undefined tensor"));
  Generator gen;
  EXPECT_TRUE(throws<ValueError>([&] { gen.randint(0); }, "randint: n must be positive (draws are in [0, n))"));
  EXPECT_TRUE(throws<ValueError>([&] { gen.permutation(-1); }, "permutation: n must be >= 0, got -1"));
}

TEST(BadInput, CopyAndAddInPlaceShapes) {
  Tensor a = f32({3});
  EXPECT_TRUE(throws<ShapeError>([&] { a.copy_(f32({2, 3})); }, "copy_: shape [2, 3] cannot be copied into shape [3]"));
  EXPECT_TRUE(
      throws<ShapeError>([&] { a.copy_(f32({2})); }, "copy_: shapes [3] and [2] cannot be broadcast (dim -1: 3 vs 2)"));
  EXPECT_TRUE(
      throws<ShapeError>([&] { a.add_(f32({2, 3})); }, "add_: shape [2, 3] cannot be added in place to shape [3]"));
}
