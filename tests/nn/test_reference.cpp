// Losses and layers against PyTorch 1.13: forward values and gradients from
// scripts/reference/gen_nn.py (tests/reference/nn.json), in float64 and float32.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "descent/descent.hpp"
#include "descent/nn/init.hpp"
#include "descent/nn/loss.hpp"
#include "descent/nn/normalization.hpp"

using namespace descent;
using nlohmann::json;

namespace {

constexpr double kTolF64 = 1e-12;  // relative, float64
constexpr double kTolF32 = 2e-5;   // relative, float32

const json& reference() {
  static const json j = [] {
    std::ifstream in(std::string(DESCENT_REFERENCE_DIR) + "/nn.json");
    return json::parse(in);
  }();
  return j;
}

Tensor from_json(const json& j, DType dtype) {
  std::vector<double> v = j["values"].get<std::vector<double>>();
  std::vector<int64_t> s = j["shape"].get<std::vector<int64_t>>();
  return Tensor::from_data(v, Shape(std::span<const int64_t>(s)), dtype);
}

void expect_close(const std::vector<double>& got, const std::vector<double>& want, double rtol,
                  const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], rtol * std::max(1.0, std::abs(want[i]))) << what << " element " << i;
}

using Fn = std::function<Tensor(std::map<std::string, Tensor>&)>;

Fn function_for(const std::string& name) {
  const std::string op = name.substr(0, name.find('/'));
  const std::string red_name = name.find('/') == std::string::npos ? "mean" : name.substr(name.find('/') + 1);
  const Reduction red =
      red_name == "none" || red_name == "sum" || red_name == "mean" ? parse_reduction(red_name) : Reduction::mean;
  if (op == "mse_loss") return [red](auto& in) { return mse_loss(in["input"], in["target"], red); };
  if (op == "l1_loss") return [red](auto& in) { return l1_loss(in["input"], in["target"], red); };
  if (op == "huber_loss") return [red](auto& in) { return huber_loss(in["input"], in["target"], 0.7, red); };
  // Class targets are stored as numbers; torch took them as int64 (.long()), and so does descent.
  if (op == "cross_entropy")
    return [red](auto& in) { return cross_entropy(in["input"], in["target"].to(DType::i64), red); };
  if (op == "nll_loss") return [red](auto& in) { return nll_loss(in["input"], in["target"].to(DType::i64), red); };
  if (op == "cross_entropy_label_smoothing")
    return [red](auto& in) { return cross_entropy(in["input"], in["target"].to(DType::i64), red, 0.15); };
  // A float target of the logits' shape: class probabilities.
  if (op == "cross_entropy_probabilities")
    return [red](auto& in) { return cross_entropy(in["input"], in["target"], red); };
  if (op == "cross_entropy_probabilities_label_smoothing")
    return [red](auto& in) { return cross_entropy(in["input"], in["target"], red, 0.15); };
  if (op == "binary_cross_entropy_with_logits" || op == "binary_cross_entropy_with_logits_zeros")
    return [red](auto& in) { return binary_cross_entropy_with_logits(in["input"], in["target"], red); };
  if (op == "linear") return [](auto& in) { return linear(in["input"], in["weight"], in["bias"]); };
  // The layers' own parameter handles are pointed at the reference's leaves, so gradients
  // land on the tensors the test compares.
  if (op == "batch_norm")
    return [](auto& in) {
      BatchNorm1d bn(in["input"].shape()[1], 1e-5, 0.1, true, in["input"].dtype());
      bn.weight = in["weight"];
      bn.bias = in["bias"];
      return bn(in["input"]);
    };
  if (op == "layer_norm")
    return [](auto& in) {
      LayerNorm ln(in["input"].shape()[1], 1e-5, true, in["input"].dtype());
      ln.weight = in["weight"];
      ln.bias = in["bias"];
      return ln(in["input"]);
    };
  ADD_FAILURE() << "no descent function for reference case " << name;
  return {};
}

void run_case(const json& c, DType dtype, double tol) {
  const std::string name = c["name"];
  std::map<std::string, Tensor> in;
  for (auto& [k, v] : c["inputs"].items()) {
    Tensor t = from_json(v, dtype);
    if (k != "target") t.requires_grad_();
    in[k] = t;
  }
  Fn f = function_for(name);
  if (!f) return;
  Tensor out = f(in);
  const std::vector<double> want = c["output"]["values"].get<std::vector<double>>();
  expect_close(out.to_vector(), want, tol, name + " output");
  // Same weighting as the script: w = linspace(0.5, 1.5, numel).
  const int64_t n = out.numel();
  std::vector<double> w(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    w[static_cast<std::size_t>(i)] = n == 1 ? 0.5 : 0.5 + static_cast<double>(i) / static_cast<double>(n - 1);
  sum(mul(out, Tensor::from_data(w, out.shape(), dtype))).backward();
  for (auto& [k, g] : c["grads"].items()) {
    ASSERT_TRUE(in[k].grad().defined()) << name << " grad of " << k;
    expect_close(in[k].grad().to_vector(), g.get<std::vector<double>>(), tol, name + " grad of " + k);
  }
}

}  // namespace

TEST(NnReference, EveryCaseFloat64) {
  ASSERT_GE(reference()["cases"].size(), 20u);
  for (const json& c : reference()["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    run_case(c, DType::f64, kTolF64);
  }
}

TEST(NnReference, EveryCaseFloat32) {
  for (const json& c : reference()["cases"]) {
    if (c["name"] == "cross_entropy/large_logits") continue;  // float32 cannot hold 1e4 - 5e3 exactly enough
    SCOPED_TRACE(c["name"].get<std::string>());
    run_case(c, DType::f32, kTolF32);
  }
}

TEST(NnReference, BatchNormRunningStatistics) {
  const json& bn_case = *std::find_if(reference()["cases"].begin(), reference()["cases"].end(),
                                      [](const json& c) { return c["name"] == "batch_norm/train"; });
  BatchNorm1d bn(3, 1e-5, 0.1, false, DType::f64);
  bn(from_json(bn_case["inputs"]["input"], DType::f64));
  expect_close(bn.running_mean.to_vector(),
               reference()["batch_norm_running"]["running_mean"].get<std::vector<double>>(), kTolF64, "running_mean");
  expect_close(bn.running_var.to_vector(), reference()["batch_norm_running"]["running_var"].get<std::vector<double>>(),
               kTolF64, "running_var");
}

TEST(NnReference, InitGainsMatchTorch) {
  for (auto& [nl, gain] : reference()["gains"].items()) {
    const double param = nl == "leaky_relu" ? 0.2 : 0.01;
    EXPECT_NEAR(init::calculate_gain(nl, param), gain.get<double>(), 1e-15) << nl;
  }
}

TEST(NnReference, InitSampleStatisticsMatchTorch) {
  // Same scheme, same (300, 200) shape: sample std agrees with torch's within sampling error
  // (60,000 samples: relative standard error of a std ~ 0.3%), and the bound is the same.
  const json& ref = reference()["init_300x200"];
  Generator gen(7);
  auto check = [&](const std::string& key, const std::function<void(Tensor&)>& fill, bool bounded) {
    Tensor w = Tensor::empty(Shape{300, 200}, DType::f64);
    fill(w);
    const std::vector<double> v = w.to_vector();
    double s = 0, s2 = 0, mx = 0;
    for (double x : v) {
      s += x;
      s2 += x * x;
      mx = std::max(mx, std::abs(x));
    }
    const double n = static_cast<double>(v.size());
    const double std = std::sqrt((s2 - s * s / n) / (n - 1));
    EXPECT_NEAR(std, ref[key]["sample_std"].get<double>(), 0.015 * ref[key]["sample_std"].get<double>()) << key;
    EXPECT_NEAR(s / n, 0.0, 4 * std / std::sqrt(n)) << key << " mean";
    if (bounded) EXPECT_NEAR(mx, ref[key]["max_abs"].get<double>(), 0.002 * mx) << key << " bound";
  };
  check(
      "xavier_uniform", [&](Tensor& w) { init::xavier_uniform_(w, 1.0, &gen); }, true);
  check(
      "xavier_normal", [&](Tensor& w) { init::xavier_normal_(w, 1.0, &gen); }, false);
  check(
      "kaiming_uniform_relu", [&](Tensor& w) { init::kaiming_uniform_(w, 0.0, init::FanMode::fan_in, "relu", &gen); },
      true);
  check(
      "kaiming_normal_relu_fan_out",
      [&](Tensor& w) { init::kaiming_normal_(w, 0.0, init::FanMode::fan_out, "relu", &gen); }, false);
  check(
      "linear_default",
      [&](Tensor& w) { init::kaiming_uniform_(w, std::sqrt(5.0), init::FanMode::fan_in, "leaky_relu", &gen); }, true);
}
