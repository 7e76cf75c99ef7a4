// register_post_accumulate_grad_hook (torch.Tensor's, PyTorch 2.1): a leaf's hook runs once per
// backward pass, after the last contribution of that pass to its .grad.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "descent/descent.hpp"

namespace {

using descent::DType;
using descent::Shape;
using descent::Tensor;

TEST(PostAccumulateGradHook, LeafUsedTwiceRunsOnceWithItsWholeGradient) {
  Tensor x = Tensor::from_data({1.0, 2.0, -3.0}, Shape{3}, DType::f64).requires_grad_();
  std::vector<std::vector<double>> seen;
  auto handle = descent::register_post_accumulate_grad_hook(x, [&](const Tensor& leaf) {
    seen.push_back(leaf.grad().to_vector());
  });
  // x feeds one node twice (x * x) and a second node (x * 2): d/dx = 2x + 2.
  ((x * x) + (x * 2.0)).sum().backward();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0], (std::vector<double>{4.0, 6.0, -4.0}));
  handle.remove();
}

TEST(PostAccumulateGradHook, LaterLayersFinishFirst) {
  Tensor w1 = Tensor::full(Shape{2}, 0.5, DType::f64).requires_grad_();
  Tensor w2 = Tensor::full(Shape{2}, 2.0, DType::f64).requires_grad_();
  std::vector<std::string> order;
  auto h1 = descent::register_post_accumulate_grad_hook(w1, [&](const Tensor&) { order.push_back("w1"); });
  auto h2 = descent::register_post_accumulate_grad_hook(w2, [&](const Tensor&) { order.push_back("w2"); });
  const Tensor x = Tensor::full(Shape{2}, 3.0, DType::f64);
  (descent::tanh(x * w1) * w2).sum().backward();
  EXPECT_EQ(order, (std::vector<std::string>{"w2", "w1"}));
  h1.remove();
  h2.remove();
}

TEST(PostAccumulateGradHook, OncePerBackwardUntilRemoved) {
  Tensor x = Tensor::full(Shape{2}, 1.0, DType::f64).requires_grad_();
  int runs = 0;
  std::vector<double> last;
  auto handle = descent::register_post_accumulate_grad_hook(x, [&](const Tensor& leaf) {
    ++runs;
    last = leaf.grad().to_vector();
  });
  (x * 3.0).sum().backward();
  (x * 3.0).sum().backward();
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(last, (std::vector<double>{6.0, 6.0}));  // after accumulating into the existing .grad
  handle.remove();
  handle.remove();  // harmless
  (x * 3.0).sum().backward();
  EXPECT_EQ(runs, 2);
}

TEST(PostAccumulateGradHook, ALeafAsTheRootAndHooksThatChangeTheGradient) {
  Tensor x = Tensor::full(Shape{}, 1.0, DType::f64).requires_grad_();
  auto handle = descent::register_post_accumulate_grad_hook(x, [](const Tensor& leaf) { leaf.grad().mul_(10.0); });
  x.backward();
  EXPECT_EQ(x.grad().item(), 10.0);
  handle.remove();
}

TEST(PostAccumulateGradHook, OnlyOnLeavesThatRequireGrad) {
  Tensor x = Tensor::full(Shape{2}, 1.0).requires_grad_();
  EXPECT_THROW(descent::register_post_accumulate_grad_hook(x * 2.0, [](const Tensor&) {}), descent::Error);
  EXPECT_THROW(descent::register_post_accumulate_grad_hook(Tensor::zeros(Shape{2}), [](const Tensor&) {}),
               descent::Error);
}

}  // namespace
