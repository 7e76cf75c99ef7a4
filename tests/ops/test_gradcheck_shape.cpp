// Gradient checks (central differences, float64) of the view methods of Tensor, concat,
// stack, index_select and gather. Each view is followed by a multiplication with fixed
// weights (inside gradcheck), so a gradient routed to the wrong element is caught.
#include <gtest/gtest.h>

#include "gradcheck_helpers.hpp"

using namespace descent;
using namespace descent::testing;

namespace {

using View = std::function<Tensor(const Tensor&)>;

// view on a (2, 3, 4) input, contiguous and non-contiguous.
void check_view(const char* name, const View& view, const Shape& shape = Shape{2, 3, 4}) {
  Generator gen(41);
  for (Layout layout : {Layout::contiguous, Layout::transposed, Layout::strided}) {
    const Tensor x = randn(stored_shape(shape, layout), gen);
    EXPECT_TRUE(passes_gradcheck([&](auto& in) { return view(seen_as(in[0], layout)); }, {x}))
        << name << " of " << shape.str() << " (" << layout_name(layout) << ")";
  }
}

}  // namespace

TEST(Gradcheck, Reshape) {
  check_view("reshape", [](const Tensor& x) { return x.reshape(Shape{4, 6}); });
  check_view("reshape -1", [](const Tensor& x) { return x.reshape(Shape{-1, 2}); });
  check_view("reshape to 1-D", [](const Tensor& x) { return x.reshape(Shape{24}); });
  check_view(
      "reshape of a scalar",
      [](const Tensor& x) {
        return x.reshape(Shape{1, 1});
      },
      Shape{});
}

TEST(Gradcheck, View) {
  check_view("view", [](const Tensor& x) { return x.contiguous().view(Shape{3, 8}); });
  check_view("view -1", [](const Tensor& x) { return x.contiguous().view(Shape{2, -1}); });
}

TEST(Gradcheck, Flatten) {
  check_view("flatten", [](const Tensor& x) { return x.flatten(); });
  check_view("flatten 1", [](const Tensor& x) { return x.flatten(1); });
  check_view("flatten 0..1", [](const Tensor& x) { return x.flatten(0, 1); });
}

TEST(Gradcheck, TransposeAndT) {
  check_view("transpose 0 2", [](const Tensor& x) { return x.transpose(0, 2); });
  check_view("transpose -1 -2", [](const Tensor& x) { return x.transpose(-1, -2); });
  check_view(
      "t", [](const Tensor& x) { return x.t(); }, Shape{3, 5});
  check_view(
      "t of a vector", [](const Tensor& x) { return x.t(); }, Shape{5});
}

TEST(Gradcheck, Permute) {
  check_view("permute 2 0 1", [](const Tensor& x) { return x.permute({2, 0, 1}); });
  check_view("permute 1 2 0", [](const Tensor& x) { return x.permute({1, -1, 0}); });
  // Permuted, then an op that reads it (the backward sees a non-contiguous gradient).
  check_view("permute then softmax", [](const Tensor& x) { return softmax(x.permute({1, 2, 0}), 0); });
}

TEST(Gradcheck, UnsqueezeAndSqueeze) {
  check_view("unsqueeze 0", [](const Tensor& x) { return x.unsqueeze(0); });
  check_view("unsqueeze 2", [](const Tensor& x) { return x.unsqueeze(2); });
  check_view("unsqueeze -1", [](const Tensor& x) { return x.unsqueeze(-1); });
  check_view(
      "squeeze 1", [](const Tensor& x) { return x.squeeze(1); }, Shape{3, 1, 4});
  check_view(
      "squeeze -1", [](const Tensor& x) { return x.squeeze(-1); }, Shape{3, 4, 1});
  check_view("squeeze of a dim > 1 is a no-op", [](const Tensor& x) { return x.squeeze(0); });
}

TEST(Gradcheck, Expand) {
  check_view(
      "expand",
      [](const Tensor& x) {
        return x.expand(Shape{2, 3, 4});
      },
      Shape{3, 1});
  check_view(
      "expand -1",
      [](const Tensor& x) {
        return x.expand(Shape{5, -1, 4});
      },
      Shape{1, 3, 1});
  check_view(
      "expand a scalar",
      [](const Tensor& x) {
        return x.expand(Shape{2, 2});
      },
      Shape{});
  // An expanded tensor used by another op: the gradient sums over the expanded dims.
  check_view(
      "expand then mul",
      [](const Tensor& x) {
        return x.expand(Shape{4, 3}) * x.expand(Shape{4, 3});
      },
      Shape{1, 3});
}

TEST(Gradcheck, SliceNarrowSelect) {
  check_view("slice", [](const Tensor& x) { return x.slice(1, 1, 3); });
  check_view("slice with step", [](const Tensor& x) { return x.slice(2, 0, 4, 3); });
  check_view("slice negative bounds", [](const Tensor& x) { return x.slice(-1, -3, -1); });
  check_view("narrow", [](const Tensor& x) { return x.narrow(0, 1, 1); });
  check_view("select", [](const Tensor& x) { return x.select(1, 2); });
  check_view("select negative", [](const Tensor& x) { return x.select(-1, -4); });
  // Overlapping slices of one tensor: both contributions reach it.
  check_view("two slices", [](const Tensor& x) { return x.slice(2, 0, 3) * x.slice(2, 1, 4); });
}

TEST(Gradcheck, ContiguousCloneTo) {
  check_view("contiguous", [](const Tensor& x) { return x.contiguous(); });
  check_view("clone", [](const Tensor& x) { return x.clone() * x; });
  check_view("to float64", [](const Tensor& x) { return x.to(DType::f64); });
  // Through float32 and back: the rounding error (~1e-7) needs a larger step.
  GradcheckOptions coarse;
  coarse.eps = 1e-2;
  coarse.rtol = 1e-4;
  coarse.atol = 1e-4;
  Generator gen(43);
  EXPECT_TRUE(passes_gradcheck([](auto& in) { return in[0].to(DType::f32).to(DType::f64) * 3.0; },
                               {randn(Shape{3, 4}, gen)}, coarse));
}

TEST(Gradcheck, Concat) {
  Generator gen(47);
  for (Layout layout : {Layout::contiguous, Layout::transposed, Layout::strided}) {
    const Tensor a = randn(stored_shape(Shape{2, 3}, layout), gen);
    const Tensor b = randn(Shape{4, 3}, gen), c = randn(Shape{2, 2}, gen);
    EXPECT_TRUE(passes_gradcheck([&](auto& in) { return concat({seen_as(in[0], layout), in[1]}, 0); }, {a, b}));
    EXPECT_TRUE(passes_gradcheck([&](auto& in) { return concat({in[1], seen_as(in[0], layout)}, -2); }, {a, b}));
    EXPECT_TRUE(
        passes_gradcheck([&](auto& in) { return concat({seen_as(in[0], layout), in[1], seen_as(in[0], layout)}, 1); },
                         {a, c}));
  }
  // Only some inputs require grad.
  const Tensor fixed = randn(Shape{2, 3}, gen);
  EXPECT_TRUE(passes_gradcheck([&](auto& in) { return concat({fixed, in[0]}, 1); }, {randn(Shape{2, 1}, gen)}));
}

TEST(Gradcheck, Stack) {
  Generator gen(53);
  for (int dim : {0, 1, 2, -1}) {
    const Tensor a = randn(Shape{2, 3}, gen), b = randn(Shape{3, 2}, gen);
    EXPECT_TRUE(passes_gradcheck([&](auto& in) { return stack({in[0], in[1].t(), in[0]}, dim); }, {a, b}))
        << "stack along " << dim;
  }
}

TEST(Gradcheck, IndexSelect) {
  Generator gen(59);
  const Tensor rows = Tensor::from_data({3, 0, 3, 1}, Shape{4}, DType::i64);  // repeats accumulate
  for (Layout layout : {Layout::contiguous, Layout::transposed, Layout::strided}) {
    const Tensor x = randn(stored_shape(Shape{4, 3}, layout), gen);
    EXPECT_TRUE(passes_gradcheck([&](auto& in) { return index_select(seen_as(in[0], layout), 0, rows); }, {x}));
    const Tensor cols = Tensor::from_data({2, 2, 0}, Shape{3}, DType::i64);
    EXPECT_TRUE(passes_gradcheck([&](auto& in) { return index_select(seen_as(in[0], layout), -1, cols); }, {x}));
  }
}

TEST(Gradcheck, Gather) {
  Generator gen(61);
  const Tensor along1 = Tensor::from_data({0, 2, 2, 1, 0, 0}, Shape{3, 2}, DType::i64);
  const Tensor along0 = Tensor::from_data({1, 0, 2, 2, 2, 1, 0, 0}, Shape{2, 4}, DType::i64);
  for (Layout layout : {Layout::contiguous, Layout::transposed, Layout::strided}) {
    const Tensor x = randn(stored_shape(Shape{3, 4}, layout), gen);
    EXPECT_TRUE(passes_gradcheck([&](auto& in) { return gather(seen_as(in[0], layout), 1, along1); }, {x}));
    EXPECT_TRUE(passes_gradcheck([&](auto& in) { return gather(seen_as(in[0], layout), 0, along0); }, {x}));
  }
  std::vector<int64_t> picks;
  for (int i = 0; i < 12; ++i) picks.push_back(static_cast<int64_t>(gen.randint(3)));
  const Tensor index3 = Tensor::from_data(picks, Shape{2, 2, 3});
  EXPECT_TRUE(passes_gradcheck([&](auto& in) { return gather(in[0], 2, index3); }, {randn(Shape{2, 3, 3}, gen)}));
}
