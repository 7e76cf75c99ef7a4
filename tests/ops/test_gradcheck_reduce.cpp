// Gradient checks (central differences, float64) of reductions, softmax, matmul and linear,
// on seeded random shapes with contiguous and non-contiguous inputs.
#include <gtest/gtest.h>

#include "gradcheck_helpers.hpp"

using namespace descent;
using namespace descent::testing;

namespace {

// Every subset of dims of a rank-3 tensor, some written negative.
const std::vector<std::vector<int>> kDimSets = {{0}, {1}, {2}, {-1}, {0, 1}, {0, 2}, {1, -1}, {0, 1, 2}};

}  // namespace

TEST(Gradcheck, SumAndMean) {
  Generator gen(11);
  for (Layout layout : {Layout::contiguous, Layout::transposed, Layout::strided}) {
    const Shape shape = random_shape(gen, 3);
    const Tensor x = randn(stored_shape(shape, layout), gen);
    EXPECT_TRUE(passes_gradcheck([&](auto& in) { return sum(seen_as(in[0], layout)); }, {x}));
    EXPECT_TRUE(passes_gradcheck([&](auto& in) { return seen_as(in[0], layout).mean(); }, {x}));
    for (const std::vector<int>& dims : kDimSets) {
      for (bool keepdim : {false, true}) {
        EXPECT_TRUE(passes_gradcheck([&](auto& in) { return sum(seen_as(in[0], layout), dims, keepdim); }, {x}))
            << "sum over " << ::testing::PrintToString(dims) << " of " << shape.str();
        EXPECT_TRUE(passes_gradcheck([&](auto& in) { return mean(seen_as(in[0], layout), dims, keepdim); }, {x}))
            << "mean over " << ::testing::PrintToString(dims) << " of " << shape.str();
      }
    }
  }
  // Rank 0 and 1.
  EXPECT_TRUE(passes_gradcheck([](auto& in) { return sum(in[0]); }, {randn(Shape{}, gen)}));
  EXPECT_TRUE(passes_gradcheck([](auto& in) { return in[0].mean({0}, true); }, {randn(Shape{5}, gen)}));
}

TEST(Gradcheck, MaxAndMin) {
  Generator gen(13);  // normal samples: no ties, so no kinks
  for (Layout layout : {Layout::contiguous, Layout::transposed, Layout::strided}) {
    const Shape shape = random_shape(gen, 3);
    const Tensor x = randn(stored_shape(shape, layout), gen);
    EXPECT_TRUE(passes_gradcheck([&](auto& in) { return max(seen_as(in[0], layout)); }, {x}));
    for (int dim : {0, 1, 2, -1, -3}) {
      for (bool keepdim : {false, true}) {
        EXPECT_TRUE(passes_gradcheck([&](auto& in) { return seen_as(in[0], layout).max(dim, keepdim); }, {x}))
            << "max over dim " << dim << " of " << shape.str() << " (" << layout_name(layout) << ")";
        EXPECT_TRUE(passes_gradcheck([&](auto& in) { return min(seen_as(in[0], layout), dim, keepdim); }, {x}))
            << "min over dim " << dim << " of " << shape.str() << " (" << layout_name(layout) << ")";
      }
    }
  }
  EXPECT_TRUE(passes_gradcheck([](auto& in) { return max(in[0], 0); }, {randn(Shape{6}, gen)}));
  EXPECT_TRUE(passes_gradcheck([](auto& in) { return max(in[0]); }, {randn(Shape{}, gen)}));
}

TEST(Gradcheck, SoftmaxAndLogSoftmax) {
  Generator gen(19);
  for (Layout layout : {Layout::contiguous, Layout::transposed, Layout::strided}) {
    const Shape shape = random_shape(gen, 3);
    const Tensor x = randn(stored_shape(shape, layout), gen, 3.0);
    for (int dim : {0, 1, 2, -1}) {
      EXPECT_TRUE(passes_gradcheck([&](auto& in) { return softmax(seen_as(in[0], layout), dim); }, {x}))
          << "softmax over dim " << dim << " of " << shape.str() << " (" << layout_name(layout) << ")";
      EXPECT_TRUE(passes_gradcheck([&](auto& in) { return log_softmax(seen_as(in[0], layout), dim); }, {x}))
          << "log_softmax over dim " << dim << " of " << shape.str() << " (" << layout_name(layout) << ")";
    }
  }
  EXPECT_TRUE(passes_gradcheck([](auto& in) { return log_softmax(in[0]); }, {randn(Shape{7}, gen)}));
}

TEST(Gradcheck, Matmul) {
  Generator gen(23);
  const std::pair<Shape, Shape> shapes[] = {
      {Shape{5}, Shape{5}},                 // dot
      {Shape{4}, Shape{4, 3}},              // vector @ matrix
      {Shape{3, 4}, Shape{4}},              // matrix @ vector
      {Shape{3, 4}, Shape{4, 2}},           // matrix @ matrix
      {Shape{1, 4}, Shape{4, 1}},           // outer dims of 1
      {Shape{2, 3, 4}, Shape{2, 4, 5}},     // batched
      {Shape{2, 1, 3, 4}, Shape{3, 4, 2}},  // batch dims broadcast both ways
      {Shape{2, 3, 4}, Shape{4, 2}},        // batched @ matrix
      {Shape{3, 4}, Shape{2, 4, 2}},        // matrix @ batched
      {Shape{4}, Shape{2, 4, 3}},           // vector @ batched
      {Shape{2, 3, 4}, Shape{4}},           // batched @ vector
  };
  for (const auto& [sa, sb] : shapes) {
    for (Layout la : {Layout::contiguous, Layout::transposed, Layout::strided}) {
      for (Layout lb : {Layout::contiguous, Layout::transposed, Layout::strided}) {
        const Tensor a = randn(stored_shape(sa, la), gen), b = randn(stored_shape(sb, lb), gen);
        EXPECT_TRUE(passes_gradcheck([&](auto& in) { return matmul(seen_as(in[0], la), seen_as(in[1], lb)); }, {a, b}))
            << sa.str() << " (" << layout_name(la) << ") @ " << sb.str() << " (" << layout_name(lb) << ")";
      }
    }
  }
  // A tensor used as both operands gets both contributions.
  EXPECT_TRUE(passes_gradcheck([](auto& in) { return in[0].matmul(in[0].t()); }, {randn(Shape{3, 4}, gen)}));
}

TEST(Gradcheck, Linear) {
  Generator gen(31);
  for (Layout lw : {Layout::contiguous, Layout::transposed, Layout::strided}) {
    const Tensor w = randn(stored_shape(Shape{5, 3}, lw), gen);
    const Tensor bias = randn(Shape{5}, gen);
    for (const Shape& xs : {Shape{4, 3}, Shape{2, 2, 3}, Shape{3}}) {
      const Tensor x = randn(xs, gen);
      EXPECT_TRUE(passes_gradcheck([&](auto& in) { return linear(in[0], seen_as(in[1], lw), in[2]); }, {x, w, bias}))
          << "linear with bias, input " << xs.str() << ", weight " << layout_name(lw);
      EXPECT_TRUE(passes_gradcheck([&](auto& in) { return linear(in[0], seen_as(in[1], lw)); }, {x, w}))
          << "linear without bias, input " << xs.str() << ", weight " << layout_name(lw);
    }
    // A non-contiguous input (every other row of a bigger batch).
    const Tensor big = randn(Shape{8, 3}, gen);
    EXPECT_TRUE(passes_gradcheck([&](auto& in) { return linear(in[0].slice(0, 0, 8, 2), seen_as(in[1], lw), in[2]); },
                                 {big, w, bias}));
  }
}

TEST(Gradcheck, LinearWithItsParametersUsedTwice) {
  // The second use adds to the .grad the first one wrote (small batches and BLAS batches).
  Generator gen(67);
  for (int64_t batch : {3, 40}) {
    EXPECT_TRUE(passes_gradcheck([](auto& in) { return linear(tanh(linear(in[0], in[1], in[2])), in[1], in[2]); },
                                 {randn(Shape{batch, 3}, gen), randn(Shape{3, 3}, gen), randn(Shape{3}, gen)}))
        << "batch " << batch;
    EXPECT_TRUE(passes_gradcheck([](auto& in) { return linear(in[0], in[1]) * linear(in[0] * 2.0, in[1]); },
                                 {randn(Shape{batch, 3}, gen), randn(Shape{2, 3}, gen)}))
        << "batch " << batch;
  }
}

TEST(Gradcheck, CrossEntropyLikeComposition) {
  // mean(-log_softmax(tanh(x W^T + b))[target]): what a classifier's loss does.
  Generator gen(37);
  const Tensor target = Tensor::from_data({2, 0, 1, 2}, Shape{4, 1}, DType::i64);
  EXPECT_TRUE(passes_gradcheck(
      [&](auto& in) { return -gather(log_softmax(tanh(linear(in[0], in[1], in[2])), 1), 1, target).mean(); },
      {randn(Shape{4, 5}, gen), randn(Shape{3, 5}, gen), randn(Shape{3}, gen)}));
}
