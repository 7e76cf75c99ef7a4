// Gradient checks (central differences, float64) of the elementwise ops: arithmetic with
// broadcasting, scalar forms, math functions and activations, on seeded random shapes of
// rank 0 to 3, with contiguous, transposed and strided inputs.
#include <gtest/gtest.h>

#include <functional>

#include "gradcheck_helpers.hpp"

using namespace descent;
using namespace descent::testing;

namespace {

using Unary = std::function<Tensor(const Tensor&)>;
using Binary = std::function<Tensor(const Tensor&, const Tensor&)>;
using Make = std::function<Tensor(const Shape&, Generator&)>;

const Make kNormal = [](const Shape& s, Generator& g) { return randn(s, g); };
const Make kPositive = [](const Shape& s, Generator& g) { return rand_between(s, g, 0.5, 2.0); };

// op on random inputs of every rank 0..3 and every layout.
void check_unary(const char* name, const Unary& op, const Make& make = kNormal, const GradcheckOptions& options = {}) {
  Generator gen(17);
  for (int rank = 0; rank <= 3; ++rank) {
    for (Layout layout : {Layout::contiguous, Layout::transposed, Layout::strided}) {
      if ((layout == Layout::transposed && rank < 2) || (layout == Layout::strided && rank < 1)) continue;
      const Shape shape = random_shape(gen, rank);
      const Tensor x = make(stored_shape(shape, layout), gen);
      EXPECT_TRUE(
          passes_gradcheck([&](const std::vector<Tensor>& in) { return op(seen_as(in[0], layout)); }, {x}, options))
          << name << " on " << shape.str() << " (" << layout_name(layout) << ")";
    }
  }
}

// op on pairs of shapes that are equal, broadcast one way, the other way, or both ways
// ((n, 1) with (1, m)), with contiguous and non-contiguous operands.
void check_binary(const char* name, const Binary& op, const Make& make_a = kNormal, const Make& make_b = kNormal) {
  Generator gen(29);
  std::vector<std::pair<Shape, Shape>> pairs = {{Shape{}, Shape{}},
                                                {Shape{3}, Shape{}},
                                                {Shape{}, Shape{2, 3}},
                                                {Shape{3, 1}, Shape{1, 4}},
                                                {Shape{2, 1, 3}, Shape{4, 1}}};
  for (int trial = 0; trial < 4; ++trial) {
    const Shape s = random_shape(gen, 1 + trial % 3);
    pairs.emplace_back(s, s);
    pairs.emplace_back(s, broadcastable_to(s, gen));
    pairs.emplace_back(broadcastable_to(s, gen), s);
  }
  const std::pair<Layout, Layout> layouts[] = {{Layout::contiguous, Layout::contiguous},
                                               {Layout::transposed, Layout::strided},
                                               {Layout::strided, Layout::transposed}};
  for (const auto& [sa, sb] : pairs) {
    for (const auto& [la, lb] : layouts) {
      const Tensor a = make_a(stored_shape(sa, la), gen);
      const Tensor b = make_b(stored_shape(sb, lb), gen);
      EXPECT_TRUE(
          passes_gradcheck([&](const std::vector<Tensor>& in) { return op(seen_as(in[0], la), seen_as(in[1], lb)); },
                           {a, b}))
          << name << " on " << sa.str() << " (" << layout_name(la) << ") and " << sb.str() << " (" << layout_name(lb)
          << ")";
    }
  }
}

GradcheckOptions with_kinks(std::vector<double> kinks) {
  GradcheckOptions o;
  o.kinks = std::move(kinks);
  return o;
}

}  // namespace

// ---- arithmetic

TEST(Gradcheck, Add) {
  check_binary("add", [](auto& a, auto& b) { return add(a, b); });
}
TEST(Gradcheck, Sub) {
  check_binary("sub", [](auto& a, auto& b) { return a - b; });
}
TEST(Gradcheck, Mul) {
  check_binary("mul", [](auto& a, auto& b) { return a * b; });
}
TEST(Gradcheck, Div) {
  check_binary(
      "div", [](auto& a, auto& b) { return a / b; }, kNormal, kPositive);
  check_binary(
      "div by negatives", [](auto& a, auto& b) { return div(a, b); }, kNormal,
      [](const Shape& s, Generator& g) { return rand_between(s, g, -2.0, -0.5); });
}
TEST(Gradcheck, Maximum) {
  check_binary("maximum", [](auto& a, auto& b) { return maximum(a, b); });
}
TEST(Gradcheck, Minimum) {
  check_binary("minimum", [](auto& a, auto& b) { return minimum(a, b); });
}

TEST(Gradcheck, Where) {
  Generator gen(5);
  const std::pair<Shape, Shape> shapes[] = {{Shape{3, 4}, Shape{3, 4}},
                                            {Shape{4}, Shape{3, 1}},
                                            {Shape{}, Shape{2, 3}}};
  for (const auto& [sa, sb] : shapes) {
    const Shape out = broadcast_shapes(sa, sb, "test");
    const Tensor condition = lt(Tensor::uniform(out, 0, 1, DType::f64, &gen), Tensor::scalar(0.5, DType::f64));
    EXPECT_TRUE(
        passes_gradcheck([&](auto& in) { return where(condition, in[0], in[1]); }, {randn(sa, gen), randn(sb, gen)}))
        << sa.str() << " " << sb.str();
    // The condition broadcasts too.
    const Tensor row =
        lt(Tensor::uniform(Shape{out[out.rank() - 1]}, 0, 1, DType::f64, &gen), Tensor::scalar(0.5, DType::f64));
    EXPECT_TRUE(passes_gradcheck([&](auto& in) { return where(row, in[0], in[1]); }, {randn(sa, gen), randn(sb, gen)}));
  }
}

TEST(Gradcheck, ScalarForms) {
  check_unary("add scalar", [](const Tensor& a) { return a + 2.5; });
  check_unary("scalar add", [](const Tensor& a) { return 2.5 + a; });
  check_unary("sub scalar", [](const Tensor& a) { return a - 1.5; });
  check_unary("mul scalar", [](const Tensor& a) { return a * -3.0; });
  check_unary("scalar mul", [](const Tensor& a) { return 0.5 * a; });
  check_unary("div scalar", [](const Tensor& a) { return a / 4.0; });
  check_unary("rsub", [](const Tensor& a) { return 3.0 - a; });
  check_unary(
      "rdiv", [](const Tensor& a) { return 2.0 / a; }, kPositive);
  check_unary(
      "rdiv negative", [](const Tensor& a) { return rdiv(a, -1.5); }, kPositive);
}

TEST(Gradcheck, Neg) {
  check_unary("neg", [](const Tensor& a) { return -a; });
}

// ---- math

TEST(Gradcheck, Pow) {
  for (double p : {2.0, 3.0, -1.0, 0.0, 1.0}) check_unary("pow", [p](const Tensor& a) { return pow(a, p); });
  for (double p : {0.5, -1.5, 1.7, 2.5})
    check_unary(
        "pow", [p](const Tensor& a) { return a.pow(p); }, kPositive);
}
TEST(Gradcheck, Square) {
  check_unary("square", [](const Tensor& a) { return square(a); });
}
TEST(Gradcheck, Sqrt) {
  check_unary(
      "sqrt", [](const Tensor& a) { return a.sqrt(); }, kPositive);
}
TEST(Gradcheck, Exp) {
  check_unary("exp", [](const Tensor& a) { return a.exp(); });
}
TEST(Gradcheck, Log) {
  check_unary(
      "log", [](const Tensor& a) { return a.log(); }, kPositive);
}
TEST(Gradcheck, Abs) {
  check_unary(
      "abs", [](const Tensor& a) { return a.abs(); }, kNormal, with_kinks({0.0}));
}
TEST(Gradcheck, Clamp) {
  check_unary(
      "clamp", [](const Tensor& a) { return clamp(a, -0.5, 0.5); }, kNormal, with_kinks({-0.5, 0.5}));
  check_unary(
      "clamp min", [](const Tensor& a) { return clamp(a, 0.0, std::nullopt); }, kNormal, with_kinks({0.0}));
  check_unary(
      "clamp max", [](const Tensor& a) { return clamp(a, std::nullopt, 0.3); }, kNormal, with_kinks({0.3}));
}

// ---- activations

TEST(Gradcheck, Relu) {
  check_unary(
      "relu", [](const Tensor& a) { return relu(a); }, kNormal, with_kinks({0.0}));
}
TEST(Gradcheck, LeakyRelu) {
  check_unary(
      "leaky_relu", [](const Tensor& a) { return leaky_relu(a); }, kNormal, with_kinks({0.0}));
  check_unary(
      "leaky_relu 0.2", [](const Tensor& a) { return leaky_relu(a, 0.2); }, kNormal, with_kinks({0.0}));
}
TEST(Gradcheck, Sigmoid) {
  check_unary(
      "sigmoid", [](const Tensor& a) { return sigmoid(a); },
      [](const Shape& s, Generator& g) { return randn(s, g, 4.0); });
}
TEST(Gradcheck, Tanh) {
  check_unary(
      "tanh", [](const Tensor& a) { return tanh(a); }, [](const Shape& s, Generator& g) { return randn(s, g, 2.0); });
}
TEST(Gradcheck, Gelu) {
  const Make wide = [](const Shape& s, Generator& g) { return randn(s, g, 2.0); };
  check_unary(
      "gelu", [](const Tensor& a) { return gelu(a); }, wide);
  check_unary(
      "gelu tanh", [](const Tensor& a) { return gelu(a, /*tanh_approximation=*/true); }, wide);
}
TEST(Gradcheck, Softplus) {
  const Make wide = [](const Shape& s, Generator& g) { return randn(s, g, 3.0); };
  check_unary(
      "softplus", [](const Tensor& a) { return softplus(a); }, wide);
  // Above beta * x > threshold softplus is x itself; the switch is a (tiny) jump, so a kink.
  check_unary(
      "softplus beta 2 threshold 3", [](const Tensor& a) { return softplus(a, 2.0, 3.0); }, wide, with_kinks({1.5}));
}

// ---- broadcasting in backward

TEST(Gradcheck, GradientsOfBroadcastOperandsHaveTheirShape) {
  Generator gen(3);
  const Tensor a = randn(Shape{2, 3, 4}, gen).requires_grad_();
  const Tensor b = randn(Shape{3, 1}, gen).requires_grad_();
  const Tensor c = randn(Shape{4}, gen).requires_grad_();
  const Tensor s = randn(Shape{}, gen).requires_grad_();
  const Tensor d = randn(Shape{1, 1, 4}, gen).requires_grad_();
  (where(gt(a, Tensor::scalar(0, DType::f64)), a * b, maximum(c, s)) / (d * d + 1.0)).sum().backward();
  EXPECT_EQ(a.grad().shape(), Shape({2, 3, 4}));
  EXPECT_EQ(b.grad().shape(), Shape({3, 1}));
  EXPECT_EQ(c.grad().shape(), Shape({4}));
  EXPECT_EQ(s.grad().shape(), Shape({}));
  EXPECT_EQ(d.grad().shape(), Shape({1, 1, 4}));

  // d/db sum(a * b) sums a over the broadcast dims 0 and 2.
  const Tensor b2 = randn(Shape{3, 1}, gen).requires_grad_();
  (a.detach() * b2).sum().backward();
  const Tensor expected = a.detach().sum({0, 2}, /*keepdim=*/true).reshape(Shape{3, 1});
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(b2.grad().at({i, 0}), expected.at({i, 0}), 1e-12);
}

// ---- the checker itself

TEST(Gradcheck, CatchesAWrongGradient) {
  // x.detach() * x has value x^2 but backward sees only one factor: gradient x, not 2x.
  Generator gen(7);
  const GradcheckResult r =
      gradcheck([](const std::vector<Tensor>& in) { return in[0].detach() * in[0]; }, {randn(Shape{3}, gen)});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("input 0 (shape [3])"), std::string::npos) << r.message;
}

TEST(Gradcheck, NonDifferentiableOpsRecordNothing) {
  const Tensor x = Tensor::from_data({0.5, 2.0, 1.0}, Shape{3}, DType::f64).requires_grad_();
  EXPECT_FALSE(eq(x, x).requires_grad());
  EXPECT_FALSE(gt(x, x * 0.5).requires_grad());
  EXPECT_FALSE(lt(x, x).requires_grad());
  EXPECT_FALSE(argmax(x, 0).requires_grad());
  EXPECT_EQ(argmax(x, 0).item(), 1.0);
}
