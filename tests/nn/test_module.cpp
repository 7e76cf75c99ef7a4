// Modules: dotted names, state dicts, train/eval, dropout, MLP specs, and gradchecks of the
// losses and normalization layers.
#include <gtest/gtest.h>

#include <cmath>

#include "common/throws.hpp"
#include "descent/descent.hpp"

using namespace descent;
using descent::testing::throws;

TEST(Module, SequentialNamesParametersAsTorch) {
  Generator gen(1);
  auto mlp = make_mlp("mlp:8-4", 6, 3, {}, &gen);
  std::vector<std::string> names;
  for (auto& [n, t] : mlp->named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"}));
  EXPECT_EQ(mlp->num_parameters(), 6 * 8 + 8 + 8 * 4 + 4 + 4 * 3 + 3);
  EXPECT_NE(mlp->repr().find("Linear(in_features=6, out_features=8, bias=true)"), std::string::npos);
}

TEST(Module, LoadStateDictCopiesValuesAndRejectsMismatches) {
  Generator g1(1), g2(2);
  auto a = make_mlp("mlp:5", 4, 2, {}, &g1);
  auto b = make_mlp("mlp:5", 4, 2, {}, &g2);
  b->load_state_dict(a->state_dict());
  EXPECT_EQ(a->state_dict()[0].second.to_vector(), b->state_dict()[0].second.to_vector());
  auto c = make_mlp("mlp:6", 4, 2, {}, &g2);
  const auto before = c->state_dict()[0].second.to_vector();
  try {
    c->load_state_dict(a->state_dict());
    FAIL() << "expected a shape mismatch";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("0.weight"), std::string::npos) << e.what();
  }
  EXPECT_EQ(c->state_dict()[0].second.to_vector(), before);  // unchanged
}

TEST(Module, BatchNormBuffersAreInStateDict) {
  MlpOptions o;
  o.batch_norm = true;
  auto m = make_mlp("mlp:4", 3, 2, o);
  std::vector<std::string> names;
  for (auto& [n, t] : m->state_dict()) names.push_back(n);
  EXPECT_NE(std::find(names.begin(), names.end(), "1.running_mean"), names.end());
}

TEST(Dropout, InvertedScalingInTrainingIdentityInEval) {
  Generator gen(3);
  Dropout d(0.25, &gen);
  Tensor x = Tensor::ones(Shape{100000});
  const std::vector<double> y = d(x).to_vector();
  double kept = 0;
  for (double v : y) {
    ASSERT_TRUE(v == 0.0 || std::abs(v - 1.0 / 0.75) < 1e-6) << v;
    kept += v != 0.0;
  }
  EXPECT_NEAR(kept / 100000.0, 0.75, 0.01);
  d.eval();
  EXPECT_EQ(d(x).to_vector(), x.to_vector());
}

TEST(Dropout, GradientUsesTheSameMask) {
  Generator gen(4);
  Tensor x = Tensor::ones(Shape{1000}, DType::f64).requires_grad_();
  Tensor y = dropout(x, 0.5, true, &gen);
  y.sum().backward();
  EXPECT_EQ(x.grad().to_vector(), y.detach().to_vector());
}

TEST(MlpSpec, BadSpecsAreRejectedWithTheToken) {
  EXPECT_THROW(parse_model_spec("cnn:3"), ValueError);
  try {
    parse_model_spec("mlp:256-x");
    FAIL();
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("'x'"), std::string::npos) << e.what();
  }
  EXPECT_EQ(parse_model_spec("mlp:30"), std::vector<int64_t>{30});
  EXPECT_TRUE(parse_model_spec("linear").empty());
  EXPECT_THROW(make_mlp("mlp:4", 0, 10), ValueError);
  EXPECT_THROW(make_activation("swish"), ValueError);
}

TEST(MlpSpec, ReadThroughTheSpecGrammar) {
  EXPECT_EQ(parse_model_spec("mlp:256-128"), (std::vector<int64_t>{256, 128}));
  EXPECT_EQ(parse_model_spec(" mlp : 8-4-2 "), (std::vector<int64_t>{8, 4, 2}));
  const auto message_of = [](const std::string& model) {
    try {
      parse_model_spec(model);
    } catch (const ValueError& e) {
      return std::string(e.what());
    }
    return std::string("(no exception)");
  };
  EXPECT_NE(message_of("mlp:8-0").find("model spec 'mlp:8-0': hidden size '0' is not a positive integer"),
            std::string::npos);
  EXPECT_NE(message_of("mlp:8--4").find("hidden size '' is not a positive integer"), std::string::npos);
  EXPECT_NE(message_of("linear:3").find("linear takes no arguments"), std::string::npos);
  EXPECT_NE(message_of("mlp:width=8").find("mlp:H1-H2-..."), std::string::npos);
  EXPECT_NE(message_of("mlp").find("mlp:H1-H2-..."), std::string::npos);
  EXPECT_NE(message_of("mlp:8,4").find("mlp:H1-H2-..."), std::string::npos);
}

TEST(MlpInit, InitSpecsReadThroughTheSpecGrammar) {
  MlpOptions o;
  const auto message_of = [&](const std::string& init) {
    o.init = init;
    try {
      make_mlp("mlp:4", 3, 2, o);
    } catch (const ValueError& e) {
      return std::string(e.what());
    }
    return std::string("(no exception)");
  };
  EXPECT_EQ(message_of("kaiming_normal:bias=0.5"), "(no exception)");
  EXPECT_NE(message_of("xavier_uniform:bais=0.1").find("unknown key 'bais' for xavier_uniform (valid: bias)"),
            std::string::npos);
  EXPECT_NE(message_of("xavier_uniform:bias=x").find("bias='x' is not a number"), std::string::npos);
  EXPECT_NE(message_of("default:bias=0.1").find("takes no options"), std::string::npos);
  EXPECT_NE(message_of("lecun").find("unknown init 'lecun' (expected default, xavier_uniform"), std::string::npos);
}

TEST(MlpInit, ConstantBiasAndXavierBounds) {
  MlpOptions o;
  o.init = "xavier_uniform:bias=0.01";
  o.activation = "tanh";
  Generator gen(5);
  auto m = make_mlp("mlp:50", 40, 10, o, &gen);
  for (double b : m->named_parameters()[1].second.to_vector()) EXPECT_FLOAT_EQ(b, 0.01f);
  const double bound = 5.0 / 3.0 * std::sqrt(6.0 / 90.0);
  for (double w : m->named_parameters()[0].second.to_vector()) EXPECT_LE(std::abs(w), bound + 1e-6);
  o.init = "lecun";
  EXPECT_THROW(make_mlp("mlp:50", 40, 10, o, &gen), ValueError);
}

// Nielsen's network2.py: weights N(0, 1/n_in), biases N(0, 1); the sample moments of 20,000
// weights and 400 biases are within a few standard errors of those.
TEST(MlpInit, NielsenDrawsWeightsScaledByFanInAndUnitBiases) {
  MlpOptions o;
  o.init = "nielsen";
  Generator gen(7);
  auto m = make_mlp("mlp:400", 50, 10, o, &gen);
  const auto moments = [](const std::vector<double>& v) {
    double sum = 0, squares = 0;
    for (double x : v) sum += x;
    for (double x : v) squares += (x - sum / v.size()) * (x - sum / v.size());
    return std::pair{sum / v.size(), std::sqrt(squares / (v.size() - 1))};
  };
  const auto [w_mean, w_std] = moments(m->named_parameters()[0].second.to_vector());  // (400, 50)
  EXPECT_NEAR(w_mean, 0.0, 0.005);
  EXPECT_NEAR(w_std, 1.0 / std::sqrt(50.0), 0.005);
  const auto [b_mean, b_std] = moments(m->named_parameters()[1].second.to_vector());
  EXPECT_NEAR(b_mean, 0.0, 0.2);
  EXPECT_NEAR(b_std, 1.0, 0.15);
  o.init = "nielsen:bias=0.1";
  EXPECT_THROW(make_mlp("mlp:4", 3, 2, o), ValueError);
}

// ---- gradchecks (float64, central differences) ----

namespace {
void expect_gradcheck(const TensorFunction& f, const std::vector<Tensor>& inputs, GradcheckOptions o = {}) {
  GradcheckResult r = gradcheck(f, inputs, o);
  EXPECT_TRUE(r.ok) << r.message;
}
Tensor randn(Shape s, uint64_t seed) {
  Generator g(seed);
  return Tensor::normal(s, 0, 1, DType::f64, &g);
}
}  // namespace

TEST(LossGradcheck, EveryLossEveryReduction) {
  const Tensor target = randn({4, 3}, 2);
  const Tensor labels = Tensor::from_data({0.0, 2.0, 1.0, 2.0}, Shape{4}, DType::i64);
  Generator g(9);
  const Tensor probs = Tensor::uniform(Shape{4, 3}, 0, 1, DType::f64, &g);
  for (Reduction r : {Reduction::none, Reduction::mean, Reduction::sum}) {
    expect_gradcheck([&](auto& in) { return mse_loss(in[0], target, r); }, {randn({4, 3}, 1)});
    expect_gradcheck([&](auto& in) { return l1_loss(add(in[0], target), target, r); }, {randn({4, 3}, 3)},
                     GradcheckOptions{.kinks = {0.0}});
    expect_gradcheck([&](auto& in) { return huber_loss(add(in[0], target), target, 0.5, r); }, {randn({4, 3}, 4)},
                     GradcheckOptions{.kinks = {0.0, 0.5, -0.5}});
    expect_gradcheck([&](auto& in) { return cross_entropy(in[0], labels, r); }, {randn({4, 3}, 5)});
    expect_gradcheck([&](auto& in) { return nll_loss(log_softmax(in[0], 1), labels, r); }, {randn({4, 3}, 6)});
    expect_gradcheck([&](auto& in) { return binary_cross_entropy_with_logits(in[0], probs, r); }, {randn({4, 3}, 7)});
    expect_gradcheck([&](auto& in) { return cross_entropy(in[0], labels, r, 0.2); }, {randn({4, 3}, 15)});
    // Class probabilities as the target: the gradient reaches the logits and the probabilities.
    expect_gradcheck([&](auto& in) { return cross_entropy(in[0], in[1], r); }, {randn({4, 3}, 17), probs});
    expect_gradcheck([&](auto& in) { return cross_entropy(in[0], in[1], r, 0.2); }, {randn({4, 3}, 18), probs});
    // The targets' gradient too (-x per element), as F.binary_cross_entropy_with_logits.
    expect_gradcheck([&](auto& in) { return binary_cross_entropy_with_logits(in[0], in[1], r); },
                     {randn({4, 3}, 16), Tensor::uniform(Shape{4, 3}, 0, 1, DType::f64, &g)});
  }
  expect_gradcheck([&](auto& in) { return l2_penalty({in[0], in[1]}, 0.3); }, {randn({2, 3}, 8), randn({3}, 9)});
}

TEST(LayerGradcheck, BatchNormLayerNormLinear) {
  BatchNorm1d bn(3, 1e-5, 0.1, true, DType::f64);
  expect_gradcheck([&](auto& in) { return bn(in[0]); }, {randn({5, 3}, 10)});
  LayerNorm ln(4, 1e-5, true, DType::f64);
  expect_gradcheck([&](auto& in) { return ln(in[0]); }, {randn({3, 4}, 11)});
  expect_gradcheck([&](auto& in) { return linear(in[0], in[1], in[2]); },
                   {randn({3, 4}, 12), randn({2, 4}, 13), randn({2}, 14)});
}

// A float target of class indices is refused with the fix, as torch refuses it ("expected scalar
// type Long"); a float target of the logits' shape is class probabilities.
TEST(LossBadInput, FloatClassTargetsAreRefused) {
  const Tensor logits = Tensor::zeros(Shape{4, 3});
  const Tensor float_labels = Tensor::from_data({0.0, 1.0, 2.0, 2.0}, Shape{4});
  EXPECT_TRUE(throws<ShapeError>([&] { cross_entropy(logits, float_labels); },
                                 "cross_entropy: class targets must be int64, got float32; convert them with "
                                 ".to(DType::i64) (a float target of the scores' shape is class probabilities)"));
  EXPECT_TRUE(
      throws<ShapeError>([&] { nll_loss(logits, float_labels); },
                         "nll_loss: class targets must be int64, got float32; convert them with .to(DType::i64)"));
  EXPECT_TRUE(throws<ShapeError>([&] { cross_entropy(logits, Tensor::zeros(Shape{4, 3}, DType::f64)); },
                                 "cross_entropy: dtypes differ (float32 and float64); convert one with .to()"));
  // The same labels as int64, and as one-hot probabilities, give the same loss.
  const Tensor logits64 = randn({4, 3}, 19);
  const Tensor labels = float_labels.to(DType::i64);
  EXPECT_NEAR(cross_entropy(logits64, labels).item(), cross_entropy(logits64, one_hot(labels, 3, DType::f64)).item(),
              1e-12);
}

TEST(LossBadInput, ShapesAndTargetsAreNamed) {
  const Tensor logits = Tensor::zeros(Shape{4, 3});
  try {
    cross_entropy(logits, Tensor::from_data({0.0, 1.0, 7.0, 2.0}, Shape{4}, DType::i64));
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("not a class index in [0, 3)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(cross_entropy(logits, Tensor::zeros(Shape{5}, DType::i64)), ShapeError);
  EXPECT_THROW(mse_loss(logits, Tensor::zeros(Shape{3, 4})), ShapeError);
  // torch.nn.CrossEntropyLoss takes label_smoothing in [0, 1]; 1 leaves no trace of the target, so it is refused.
  for (double smoothing : {-0.1, 1.0, 1.5})
    EXPECT_THROW(cross_entropy(logits, Tensor::zeros(Shape{4}), Reduction::mean, smoothing), ValueError) << smoothing;
  EXPECT_THROW(binary_cross_entropy_with_logits(logits, Tensor::zeros(Shape{4})), ShapeError);
}
