// str() reads as torch's repr: values to 4 significant digits, columns aligned, shape and
// dtype after, long tensors summarized.
#include <gtest/gtest.h>

#include "descent/descent.hpp"

using namespace descent;

TEST(Printing, Vector) {
  EXPECT_EQ(Tensor::from_data({1, 2, 3}, Shape{3}).str(), "tensor([1, 2, 3], shape=[3], dtype=float32)");
}

TEST(Printing, MatrixColumnsLineUp) {
  const Tensor m = Tensor::from_data({1.5, -2, 3, 4.25}, Shape{2, 2}, DType::f64);
  EXPECT_EQ(m.str(),
            "tensor([[ 1.5,   -2],\n"
            "        [   3, 4.25]], shape=[2, 2], dtype=float64)");
}

TEST(Printing, ThreeDims) {
  const Tensor t = Tensor::arange(8).reshape(Shape{2, 2, 2});
  EXPECT_EQ(t.str(),
            "tensor([[[0, 1],\n"
            "         [2, 3]],\n"
            "        [[4, 5],\n"
            "         [6, 7]]], shape=[2, 2, 2], dtype=float32)");
}

TEST(Printing, ScalarEmptyAndNonContiguous) {
  EXPECT_EQ(Tensor::scalar(3.5).str(), "tensor(3.5, shape=[], dtype=float32)");
  EXPECT_EQ(Tensor::zeros(Shape{0}).str(), "tensor([], shape=[0], dtype=float32)");
  EXPECT_EQ(Tensor::arange(4).reshape(Shape{2, 2}).t().str(),
            "tensor([[0, 2],\n"
            "        [1, 3]], shape=[2, 2], dtype=float32)");
  EXPECT_EQ(Tensor().str(), "tensor(undefined)");
}

TEST(Printing, FourSignificantDigits) {
  EXPECT_EQ(Tensor::from_data({3.14159265, 1e-8, 12345.678}, Shape{3}, DType::f64).str(),
            "tensor([    3.142,     1e-08, 1.235e+04], shape=[3], dtype=float64)");
}

TEST(Printing, LongTensorsAreSummarized) {
  EXPECT_EQ(Tensor::arange(2000).str(),
            "tensor([   0,    1,    2, ..., 1997, 1998, 1999], shape=[2000], dtype=float32)");
  const std::string big = Tensor::zeros(Shape{100, 100}).str();
  EXPECT_LT(big.size(), 400u) << big;
  EXPECT_NE(big.find("..."), std::string::npos);
}

TEST(Printing, AutogradState) {
  Tensor w = Tensor::ones(Shape{2}).requires_grad_();
  EXPECT_EQ(w.str(), "tensor([1, 1], shape=[2], dtype=float32, requires_grad=true)");
  EXPECT_EQ((w * 2.0).str(), "tensor([2, 2], shape=[2], dtype=float32, grad_fn=mul)");
  std::ostringstream os;
  os << w.detach();
  EXPECT_EQ(os.str(), "tensor([1, 1], shape=[2], dtype=float32)");
}
