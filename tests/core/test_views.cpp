// Views share storage with their base (a write through one is seen in the other); copies
// do not. Shapes, strides and offsets of reshape, transpose, permute, slices, expand;
// contiguous, clone and to; broadcasting results; a minibatch as a row slice.
#include <gtest/gtest.h>

#include "descent/descent.hpp"

using namespace descent;

namespace {

Tensor iota(const Shape& s, DType dtype = DType::f64) {
  return Tensor::arange(static_cast<double>(s.numel()), dtype).reshape(s);
}

}  // namespace

TEST(Views, WriteThroughAViewIsSeenInTheBase) {
  Tensor base = iota(Shape{3, 4});
  base.slice(1, 1, 3).fill_(-1.0);
  EXPECT_EQ(base.to_vector(), (std::vector<double>{0, -1, -1, 3, 4, -1, -1, 7, 8, -1, -1, 11}));
  base.select(0, 2).fill_(5.0);
  EXPECT_EQ(base.at({2, 0}), 5.0);
  EXPECT_EQ(base.at({2, 3}), 5.0);
  base.t().select(0, 0).copy_(Tensor::from_data({10, 20, 30}, Shape{3}, DType::f64));  // column 0
  EXPECT_EQ(base.at({0, 0}), 10.0);
  EXPECT_EQ(base.at({1, 0}), 20.0);
  EXPECT_EQ(base.at({2, 0}), 30.0);
  base.reshape(Shape{12}).slice(0, 11, 12).fill_(99.0);
  EXPECT_EQ(base.at({2, 3}), 99.0);
  // ... and a write to the base is seen through the view.
  const Tensor row = base.select(0, 1);
  base.fill_(0.0);
  EXPECT_EQ(row.to_vector(), std::vector<double>(4, 0.0));
}

TEST(Views, ReshapeIsAViewWhenContiguousAndACopyOtherwise) {
  const Tensor a = iota(Shape{2, 3, 4});
  const Tensor r = a.reshape(Shape{6, -1});
  EXPECT_EQ(r.shape(), Shape({6, 4}));
  EXPECT_TRUE(r.shares_storage(a));
  EXPECT_EQ(a.view(Shape{4, 6}).strides(), Shape({6, 1}));
  EXPECT_EQ(a.flatten().shape(), Shape({24}));
  EXPECT_EQ(a.flatten(1).shape(), Shape({2, 12}));
  EXPECT_EQ(a.flatten(0, 1).shape(), Shape({6, 4}));

  const Tensor t = a.transpose(0, 2);  // (4, 3, 2)
  EXPECT_FALSE(t.is_contiguous());
  const Tensor flat = t.reshape(Shape{24});
  EXPECT_FALSE(flat.shares_storage(a));
  EXPECT_EQ(flat.to_vector()[1], a.at({1, 0, 0}));  // t[0, 0, 1] = a[1, 0, 0]
}

TEST(Views, TransposeAndPermuteSwapStrides) {
  const Tensor a = iota(Shape{2, 3, 4});
  const Tensor t = a.transpose(0, 2);
  EXPECT_EQ(t.shape(), Shape({4, 3, 2}));
  EXPECT_EQ(t.strides(), Shape({1, 4, 12}));
  EXPECT_TRUE(t.shares_storage(a));
  EXPECT_EQ(t.at({3, 1, 1}), a.at({1, 1, 3}));
  const Tensor p = a.permute({2, 0, 1});
  EXPECT_EQ(p.shape(), Shape({4, 2, 3}));
  EXPECT_EQ(p.strides(), Shape({1, 12, 4}));
  EXPECT_EQ(p.at({3, 1, 2}), a.at({1, 2, 3}));
  EXPECT_EQ(iota(Shape{2, 5}).t().shape(), Shape({5, 2}));
  EXPECT_EQ(a.transpose(-1, -2).shape(), Shape({2, 4, 3}));
}

TEST(Views, SlicesNarrowSelect) {
  const Tensor a = iota(Shape{5, 4});
  const Tensor s = a.slice(0, 1, 4);
  EXPECT_EQ(s.shape(), Shape({3, 4}));
  EXPECT_EQ(s.offset(), 4);
  EXPECT_EQ(s.at({0, 0}), 4.0);
  const Tensor stepped = a.slice(1, 0, 4, 2);
  EXPECT_EQ(stepped.shape(), Shape({5, 2}));
  EXPECT_EQ(stepped.strides(), Shape({4, 2}));
  EXPECT_EQ(stepped.to_vector(), (std::vector<double>{0, 2, 4, 6, 8, 10, 12, 14, 16, 18}));
  EXPECT_EQ(a.slice(0, -2, 100).shape(), Shape({2, 4}));  // bounds clamp, negatives count from the end
  EXPECT_EQ(a.slice(0, 3, 1).numel(), 0);
  EXPECT_EQ(a.narrow(1, 1, 2).to_vector()[0], 1.0);
  EXPECT_EQ(a.narrow(0, -1, 1).at({0, 3}), 19.0);
  const Tensor col = a.select(1, -1);
  EXPECT_EQ(col.shape(), Shape({5}));
  EXPECT_EQ(col.to_vector(), (std::vector<double>{3, 7, 11, 15, 19}));
}

TEST(Views, AMinibatchIsARowSliceOfTheDataset) {
  const Tensor data = iota(Shape{10, 3}, DType::f32);
  const Tensor batch = data.slice(0, 4, 8);
  EXPECT_TRUE(batch.is_contiguous());
  EXPECT_TRUE(batch.shares_storage(data));
  EXPECT_EQ(batch.offset(), 12);
  EXPECT_EQ(batch.data<float>(), data.data<float>() + 12);
  EXPECT_EQ(batch.contiguous().data<float>(), batch.data<float>());  // no copy
  EXPECT_EQ(batch.sum().item(), 210.0);                              // 12 + 13 + ... + 23
}

TEST(Views, UnsqueezeSqueezeExpand) {
  const Tensor a = iota(Shape{2, 3});
  EXPECT_EQ(a.unsqueeze(0).shape(), Shape({1, 2, 3}));
  EXPECT_EQ(a.unsqueeze(1).shape(), Shape({2, 1, 3}));
  EXPECT_EQ(a.unsqueeze(-1).shape(), Shape({2, 3, 1}));
  EXPECT_TRUE(a.unsqueeze(1).is_contiguous());
  EXPECT_EQ(a.unsqueeze(1).squeeze(1).shape(), a.shape());
  EXPECT_EQ(a.squeeze(0).shape(), a.shape());  // size 2: no-op, as torch
  const Tensor e = a.unsqueeze(1).expand(Shape{2, 4, 3});
  EXPECT_EQ(e.strides(), Shape({3, 0, 1}));
  EXPECT_TRUE(e.shares_storage(a));
  EXPECT_EQ(e.at({1, 3, 2}), 5.0);
  EXPECT_EQ(Tensor::scalar(2.0).expand(Shape{3, 2}).to_vector(), std::vector<double>(6, 2.0));
  EXPECT_EQ(a.expand(Shape{4, -1, -1}).shape(), Shape({4, 2, 3}));
}

TEST(Views, ContiguousCloneTo) {
  const Tensor a = iota(Shape{3, 4});
  EXPECT_TRUE(a.contiguous().is_same(a));
  const Tensor t = a.t();
  const Tensor c = t.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_FALSE(c.shares_storage(a));
  EXPECT_EQ(c.to_vector(), t.to_vector());
  EXPECT_EQ(c.strides(), Shape({3, 1}));

  Tensor k = a.clone();
  EXPECT_FALSE(k.shares_storage(a));
  k.fill_(0.0);
  EXPECT_EQ(a.at({2, 3}), 11.0);  // the original is untouched

  const Tensor f = t.to(DType::f32);
  EXPECT_EQ(f.dtype(), DType::f32);
  EXPECT_EQ(f.shape(), Shape({4, 3}));
  EXPECT_EQ(f.to_vector(), t.to_vector());
  EXPECT_TRUE(a.to(DType::f64).is_same(a));
  EXPECT_EQ(Tensor::scalar(0.1, DType::f64).to(DType::f32).item(), static_cast<double>(0.1f));
}

TEST(Views, DetachSharesDataWithoutHistory) {
  Tensor w = Tensor::ones(Shape{3}, DType::f64).requires_grad_();
  const Tensor y = w * 2.0;
  const Tensor d = y.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(d.is_leaf());
  EXPECT_TRUE(d.shares_storage(y));
}

TEST(Broadcasting, ShapesAndValues) {
  EXPECT_EQ(broadcast_shapes(Shape{3, 1}, Shape{1, 4}, "t"), Shape({3, 4}));
  EXPECT_EQ(broadcast_shapes(Shape{2, 1, 4}, Shape{3, 1}, "t"), Shape({2, 3, 4}));
  EXPECT_EQ(broadcast_shapes(Shape{}, Shape{5}, "t"), Shape({5}));
  EXPECT_EQ(broadcast_shapes(Shape{0, 1}, Shape{1, 3}, "t"), Shape({0, 3}));

  const Tensor col = Tensor::from_data({1, 2, 3}, Shape{3, 1}, DType::f64);
  const Tensor row = Tensor::from_data({10, 20, 30, 40}, Shape{4}, DType::f64);
  const Tensor sum = col + row;
  EXPECT_EQ(sum.shape(), Shape({3, 4}));
  EXPECT_EQ(sum.to_vector(), (std::vector<double>{11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43}));
  EXPECT_EQ((row - col).at({2, 0}), 7.0);
  EXPECT_EQ((col * Tensor::scalar(2.0, DType::f64)).to_vector(), (std::vector<double>{2, 4, 6}));
  // A transposed operand broadcast against a row.
  const Tensor m = iota(Shape{4, 3}).t();  // (3, 4), non-contiguous
  EXPECT_EQ((m + row).at({1, 2}), 7.0 + 30.0);
  // A bias added to every row of a batch.
  const Tensor x = iota(Shape{2, 3});
  const Tensor bias = Tensor::from_data({100, 200, 300}, Shape{3}, DType::f64);
  EXPECT_EQ((x + bias).to_vector(), (std::vector<double>{100, 201, 302, 103, 204, 305}));
  EXPECT_EQ(maximum(col, Tensor::scalar(2.0, DType::f64)).to_vector(), (std::vector<double>{2, 2, 3}));
  EXPECT_EQ(where(gt(col, Tensor::scalar(1.5, DType::f64)), col, row).shape(), Shape({3, 4}));
}
