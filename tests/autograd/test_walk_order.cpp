// The backward walk visits each node once, however many paths reach it, in small graphs
// (a linear search of seen nodes) and large ones (a hash set past 32 nodes).
#include <gtest/gtest.h>

#include <cmath>

#include "descent/descent.hpp"

namespace {

using descent::DType;
using descent::Shape;
using descent::Tensor;

TEST(BackwardWalk, EachNodeRunsOnceWhenReachedTwice) {
  for (int steps : {3, 31, 32, 33, 60}) {
    Tensor x = Tensor::full(Shape{}, 1.0, DType::f64).requires_grad_();
    Tensor y = x;
    for (int i = 0; i < steps; ++i) y = y + y;  // every node feeds the next one twice
    y.backward();
    EXPECT_EQ(x.grad().item(), std::ldexp(1.0, steps)) << steps << " steps";
  }
}

TEST(BackwardWalk, SharedNodeReachedFromManyParents) {
  Tensor x = Tensor::full(Shape{2}, 1.0, DType::f64).requires_grad_();
  Tensor h = x * 3.0;
  Tensor total = h;
  for (int i = 0; i < 50; ++i) total = total + h;
  total.sum().backward();
  for (double g : x.grad().to_vector()) EXPECT_EQ(g, 51 * 3.0);
}

}  // namespace
