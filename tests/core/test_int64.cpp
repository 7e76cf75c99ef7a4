// int64 tensors (torch.long): creation, conversion both ways, exact element access and
// printing, the ops that take them (comparisons, sum, argmax, index ops), and the one-line
// refusal every floating-only op gives them.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "common/throws.hpp"
#include "descent/descent.hpp"

using namespace descent;
using descent::testing::throws;

namespace {

Tensor ints(std::vector<int64_t> values, const Shape& shape) { return Tensor::from_data(values, shape); }

std::string refusal(const std::string& op) {
  return op + ": int64 tensors have no gradient and this op takes float32 or float64; convert with .to(DType::f32)";
}

}  // namespace

TEST(Int64, CreationAsLibTorch) {
  EXPECT_EQ(dtype_name(DType::i64), "int64");
  EXPECT_EQ(dtype_size(DType::i64), 8u);
  EXPECT_EQ(zeros({2, 3}, DType::i64).values<int64_t>(), std::vector<int64_t>(6, 0));
  EXPECT_EQ(ones({2}, DType::i64).values<int64_t>(), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(full({3}, 7, DType::i64).values<int64_t>(), (std::vector<int64_t>{7, 7, 7}));
  EXPECT_EQ(arange(4, DType::i64).values<int64_t>(), (std::vector<int64_t>{0, 1, 2, 3}));
  const Tensor t = ints({5, -2, 9}, {3});
  EXPECT_EQ(t.dtype(), DType::i64);
  EXPECT_EQ(t.values<int64_t>(), (std::vector<int64_t>{5, -2, 9}));
  EXPECT_EQ(t.at({1}), -2.0);
  EXPECT_EQ(*t.data<int64_t>(), 5);
  EXPECT_THROW(t.data<float>(), ShapeError);
}

TEST(Int64, ItemIsExactBeyondTwoToThe53) {
  const int64_t big = (int64_t{1} << 53) + 1;  // float64 would round it to 2^53
  const Tensor t = ints({big}, {});
  EXPECT_EQ(t.item<int64_t>(), big);
  EXPECT_EQ(t.values<int64_t>(), std::vector<int64_t>{big});
  EXPECT_EQ(t.clone().item<int64_t>(), big);
  EXPECT_EQ(sum(ints({big, 1}, {2})).item<int64_t>(), big + 1);
}

TEST(Int64, ConversionsTruncateTowardZeroAsTorch) {
  // torch.tensor([2.7, -2.7, 0.5, -0.5, 3.0]).long() == [2, -2, 0, 0, 3]
  const Tensor f = Tensor::from_data({2.7, -2.7, 0.5, -0.5, 3.0}, Shape{5});
  const Tensor i = f.to(DType::i64);
  EXPECT_EQ(i.dtype(), DType::i64);
  EXPECT_EQ(i.values<int64_t>(), (std::vector<int64_t>{2, -2, 0, 0, 3}));
  EXPECT_EQ(i.to(DType::f64).to_vector(), (std::vector<double>{2, -2, 0, 0, 3}));
  EXPECT_EQ(i.to(DType::f32).dtype(), DType::f32);
  EXPECT_TRUE(i.to(DType::i64).is_same(i));
  // A strided view converts in its own order.
  EXPECT_EQ(arange(6, DType::i64).reshape({2, 3}).t().to(DType::f32).to_vector(),
            (std::vector<double>{0, 3, 1, 4, 2, 5}));
  EXPECT_EQ(arange(6, DType::i64).reshape({2, 3}).t().contiguous().values<int64_t>(),
            (std::vector<int64_t>{0, 3, 1, 4, 2, 5}));
  // A float tensor that requires grad converts to int64 without history, as torch's .long().
  const Tensor x = Tensor::from_data({1.5}, Shape{1}).requires_grad_();
  EXPECT_FALSE(x.to(DType::i64).requires_grad());
}

TEST(Int64, PrintsIntegersInFull) {
  EXPECT_EQ(ints({3, -12345678, 0}, {3}).str(), "tensor([        3, -12345678,         0], shape=[3], dtype=int64)");
  EXPECT_EQ(ints({7}, {}).str(), "tensor(7, shape=[], dtype=int64)");
  EXPECT_EQ(zeros({0}, DType::i64).str(), "tensor([], shape=[0], dtype=int64)");
}

TEST(Int64, InPlaceCopyAndFill) {
  Tensor t = zeros({3}, DType::i64);
  t.fill_(4);
  EXPECT_EQ(t.values<int64_t>(), (std::vector<int64_t>{4, 4, 4}));
  t.copy_(Tensor::from_data({1.9, -1.9, 2.0}, Shape{3}));  // converted as .to(): toward zero
  EXPECT_EQ(t.values<int64_t>(), (std::vector<int64_t>{1, -1, 2}));
  EXPECT_EQ(concat({t, ints({8}, {1})}).values<int64_t>(), (std::vector<int64_t>{1, -1, 2, 8}));
}

TEST(Int64, ArgmaxAndArgminReturnInt64) {
  const Tensor x = Tensor::from_data({0.1, 0.9, 0.3, 0.8, 0.2, 0.8}, Shape{2, 3});
  const Tensor a = x.argmax(1);
  EXPECT_EQ(a.dtype(), DType::i64);
  EXPECT_EQ(a.values<int64_t>(), (std::vector<int64_t>{1, 0}));  // the first of tied maxima, as torch
  EXPECT_EQ(x.argmin(1).values<int64_t>(), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(x.argmax(0, true).shape(), Shape({1, 3}));
  EXPECT_EQ(argmax(ints({3, 9, 9, -1}, {4}), 0).item<int64_t>(), 1);  // int64 input too
  EXPECT_EQ(max(ints({3, 9, -1}, {3}), 0).item<int64_t>(), 9);
}

TEST(Int64, ComparisonsGiveZeroOrOneInTheOperandsDtype) {
  const Tensor predicted = Tensor::from_data({0.1, 0.9, 0.8, 0.2, 0.3, 0.7}, Shape{3, 2}).argmax(1);
  const Tensor labels = ints({1, 0, 0}, {3});
  const Tensor hits = eq(predicted, labels);
  EXPECT_EQ(hits.dtype(), DType::i64);
  EXPECT_EQ(hits.values<int64_t>(), (std::vector<int64_t>{1, 1, 0}));
  EXPECT_EQ(ne(predicted, labels).values<int64_t>(), (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(gt(predicted, labels).values<int64_t>(), (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(lt(labels, ints({2}, {})).values<int64_t>(), (std::vector<int64_t>{1, 1, 1}));  // broadcast
  EXPECT_EQ(ge(labels, ints({1}, {})).values<int64_t>(), (std::vector<int64_t>{1, 0, 0}));
  EXPECT_EQ(le(labels, ints({0}, {})).values<int64_t>(), (std::vector<int64_t>{0, 1, 1}));
  // Accuracy as a LibTorch user writes it: the hits summed stay int64, then a float mean.
  EXPECT_EQ(hits.sum().item<int64_t>(), 2);
  EXPECT_DOUBLE_EQ(hits.to(DType::f64).mean().item(), 2.0 / 3.0);
  // Float labels against int64 predictions: the dtypes must agree, as before.
  EXPECT_TRUE(throws<ShapeError>([&] { eq(predicted, labels.to(DType::f32)); },
                                 "eq: dtypes differ (int64 and float32); convert one with .to()"));
}

TEST(Int64, SumStaysInt64AndMeanIsRefused) {
  const Tensor t = arange(6, DType::i64).reshape({2, 3});
  EXPECT_EQ(t.sum().dtype(), DType::i64);
  EXPECT_EQ(t.sum().item<int64_t>(), 15);
  EXPECT_EQ(t.sum(1).values<int64_t>(), (std::vector<int64_t>{3, 12}));
  EXPECT_EQ(t.sum(0, true).values<int64_t>(), (std::vector<int64_t>{3, 5, 7}));
  EXPECT_EQ(t.t().sum(1).values<int64_t>(), (std::vector<int64_t>{3, 5, 7}));  // strided
  EXPECT_TRUE(
      throws<
          ShapeError>([&] { t.mean(); },
                      "mean: an int64 tensor has no mean (torch refuses it too); convert with .to(DType::f32) first"));
}

TEST(Int64, IndexOpsTakeInt64Indices) {
  const Tensor x = Tensor::from_data({1, 2, 3, 4, 5, 6}, Shape{2, 3});
  EXPECT_EQ(gather(x, 1, ints({2, 0}, {2, 1})).to_vector(), (std::vector<double>{3, 4}));
  EXPECT_EQ(index_select(x, 1, ints({2, 2}, {2})).to_vector(), (std::vector<double>{3, 3, 6, 6}));
  EXPECT_EQ(one_hot(ints({1, 0}, {2}), 3).to_vector(), (std::vector<double>{0, 1, 0, 1, 0, 0}));
  EXPECT_EQ(one_hot(ints({2}, {1}), 3, DType::i64).values<int64_t>(), (std::vector<int64_t>{0, 0, 1}));
  // An int64 tensor can be indexed too (labels picked by a row index).
  EXPECT_EQ(index_select(ints({7, 8, 9}, {3}), 0, ints({2, 0}, {2})).values<int64_t>(), (std::vector<int64_t>{9, 7}));
  EXPECT_TRUE(
      throws<ShapeError>([&] { gather(x, 1, Tensor::from_data({2.0, 0.0}, Shape{2, 1})); },
                         "gather: index must be an int64 tensor, got float32; convert it with .to(DType::i64)"));
  EXPECT_TRUE(
      throws<ShapeError>([&] { one_hot(Tensor::from_data({1.0}, Shape{1}, DType::f64), 3); },
                         "one_hot: index must be an int64 tensor, got float64; convert it with .to(DType::i64)"));
}

TEST(Int64, ViewsShareStorage) {
  const Tensor t = arange(6, DType::i64);
  const Tensor v = t.reshape({2, 3}).transpose(0, 1).select(0, 2);
  EXPECT_EQ(v.values<int64_t>(), (std::vector<int64_t>{2, 5}));
  EXPECT_TRUE(v.shares_storage(t));
  EXPECT_EQ(t.unsqueeze(0).expand({2, 6}).sum().item<int64_t>(), 30);
}

TEST(Int64, FloatingOnlyOpsRefuseWithOneLine) {
  const Tensor t = ints({1, 2}, {2});
  EXPECT_TRUE(throws<ShapeError>([&] { t.relu(); }, refusal("relu")));
  EXPECT_TRUE(throws<ShapeError>([&] { t.exp(); }, refusal("exp")));
  EXPECT_TRUE(throws<ShapeError>([&] { t.sigmoid(); }, refusal("sigmoid")));
  EXPECT_TRUE(throws<ShapeError>([&] { t.square(); }, refusal("square")));
  EXPECT_TRUE(throws<ShapeError>([&] { t.softmax(0); }, refusal("softmax")));
  EXPECT_TRUE(throws<ShapeError>([&] { t.log_softmax(0); }, refusal("log_softmax")));
  EXPECT_TRUE(throws<ShapeError>([&] { t.matmul(t); }, refusal("matmul")));
  EXPECT_TRUE(throws<ShapeError>([&] { t * 2.0; }, refusal("mul")));
  EXPECT_TRUE(throws<ShapeError>([&] { t + t; }, refusal("add")));
  EXPECT_TRUE(throws<ShapeError>([&] { Tensor(t).requires_grad_(); }, refusal("requires_grad_")));
  EXPECT_TRUE(throws<ShapeError>([&] { t.sum().backward(); }, refusal("backward")));
  EXPECT_TRUE(throws<ShapeError>([&] { Tensor(t).normal_(0, 1); }, refusal("normal_")));
  EXPECT_TRUE(throws<ShapeError>([] { Linear(2, 2).to(DType::i64); }, refusal("Module::to")));
  // A float op beyond these names itself less precisely but still says what to do.
  EXPECT_TRUE(throws<ShapeError>([&] { avg_pool2d(zeros({1, 1, 2, 2}, DType::i64), 2); }, refusal("this op")));
}
