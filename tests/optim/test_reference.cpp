// Every PyTorch optimizer against torch.optim (PyTorch 1.13): the trajectories written by
// scripts/reference/gen_optim.py to tests/reference/optim_trajectories.json, replayed here
// through make_optimizer on the same MLP (float64 and float32) and test functions. The
// optimizers PyTorch 1.13 lacks (ADOPT, Adafactor, Prodigy) likewise against their NumPy
// twins, scripts/reference/gen_optim_twins.py → tests/reference/optim_twins.json (float64,
// with a quadratic in a 4-D weight, "conv", besides the MLP and Rosenbrock).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "descent/descent.hpp"
#include "descent/optim/factory.hpp"
#include "descent/optim/test_functions.hpp"

using namespace descent;
using namespace descent::optim;
using json = nlohmann::json;

namespace {

// |ours − torch| ≤ tolerance · max(|torch|, 1), per parameter value.
constexpr double kToleranceFloat64 = 1e-10;
constexpr double kToleranceFloat32 = 1e-5;

// The reference files; a case is (file, index of the case in it).
const std::vector<std::string> kFiles = {"optim_trajectories.json", "optim_twins.json"};
using Case = std::pair<std::size_t, int>;

const json& reference(std::size_t file) {
  static const std::vector<json> data = [] {
    std::vector<json> out;
    for (const std::string& name : kFiles) {
      std::ifstream in(std::string(DESCENT_REFERENCE_DIR) + "/" + name);
      if (!in) throw std::runtime_error("missing tests/reference/" + name);
      out.push_back(json::parse(in));
    }
    return out;
  }();
  return data.at(file);
}

std::vector<Case> case_indices() {
  std::vector<Case> out;
  for (std::size_t file = 0; file < kFiles.size(); ++file)
    for (std::size_t i = 0; i < reference(file)["cases"].size(); ++i) out.emplace_back(file, static_cast<int>(i));
  return out;
}

std::string case_name(const Case& which) {
  const auto [file, index] = which;
  const json& c = reference(file)["cases"][index];
  std::string spec = c["spec"];
  std::string name = std::string(file == 0 ? "" : "twin_") + std::to_string(index) + "_" + spec + "_" +
                     std::string(c["problem"]) + "_" + std::string(c["dtype"]) + (c["groups"].empty() ? "" : "_groups");
  for (char& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
}

Tensor from_json(const json& values, const Shape& shape, DType dtype) {
  std::vector<double> v = values.get<std::vector<double>>();
  return Tensor::from_data(std::span<const double>(v), shape, dtype);
}

class TorchReference : public ::testing::TestWithParam<Case> {};

TEST_P(TorchReference, ParametersMatchTorchOptim) {
  const auto [file, index] = GetParam();
  const json& c = reference(file)["cases"][index];
  const DType dtype = c["dtype"] == "float64" ? DType::f64 : DType::f32;
  const double tolerance = dtype == DType::f64 ? kToleranceFloat64 : kToleranceFloat32;
  const std::string problem = c["problem"];
  const bool negate = c["maximize_objective"];

  std::vector<Tensor> params;
  for (std::size_t i = 0; i < c["initial"].size(); ++i) {
    const Shape shape(std::span<const int64_t>(c["shapes"][i].get<std::vector<int64_t>>()));
    params.push_back(from_json(c["initial"][i], shape, dtype).requires_grad_());
  }
  std::vector<ParamGroup> groups;
  if (c["groups"].empty()) {
    groups.push_back({.params = params});
  } else {
    for (const json& g : c["groups"]) {
      ParamGroup group;
      for (int i : g["params"].get<std::vector<int>>()) group.params.push_back(params[i]);
      for (const auto& [key, value] : g["options"].items()) group.options[key] = value.get<double>();
      groups.push_back(std::move(group));
    }
  }
  auto optimizer = make_optimizer(c["spec"].get<std::string>(), std::move(groups));

  std::function<double()> closure;
  Tensor x, y;
  if (problem == "mlp") {
    const json& mlp = reference(file)["mlp"];
    auto xs = mlp["x_shape"].get<std::vector<int64_t>>();
    x = from_json(mlp["x"], Shape{xs[0], xs[1]}, dtype);
    y = from_json(mlp["y"], Shape{xs[0], 1}, dtype);
    closure = [&] {
      optimizer->zero_grad();
      Tensor h = tanh(linear(x, params[0], params[1]));  // (16, 5)
      Tensor out = linear(h, params[2], params[3]);      // (16, 1)
      Tensor loss = mean(square(out - y));
      (negate ? -loss : loss).backward();
      return loss.item();
    };
  } else if (problem == "conv") {  // Σ a·θ²/2 + b·θ over a 4-D weight
    const json& conv = reference(file)["conv"];
    x = from_json(conv["a"], params[0].shape(), dtype);
    y = from_json(conv["b"], params[0].shape(), dtype);
    closure = [&] {
      optimizer->zero_grad();
      Tensor loss = sum(x * square(params[0]) * 0.5 + y * params[0]);
      loss.backward();
      return loss.item();
    };
  } else {
    const TestFunction& fn = test_function(problem);
    closure = [&] {
      const double* p = params[0].data<double>();
      Point g = fn.gradient(p[0], p[1]);
      params[0].set_grad(Tensor::from_data({g[0], g[1]}, params[0].shape(), DType::f64));
      return fn.value(p[0], p[1]);
    };
  }

  const int steps = c["steps"];
  for (int t = 1; t <= steps; ++t) {
    optimizer->step(closure);
    auto it = c["trajectory"].find(std::to_string(t));
    if (it == c["trajectory"].end()) continue;
    std::vector<double> expected = it->get<std::vector<double>>(), ours;
    for (const Tensor& p : params)
      for (double v : p.to_vector()) ours.push_back(v);
    ASSERT_EQ(ours.size(), expected.size());
    for (std::size_t i = 0; i < ours.size(); ++i)
      ASSERT_LE(std::abs(ours[i] - expected[i]), tolerance * std::max(std::abs(expected[i]), 1.0))
          << c["spec"] << " on " << problem << " (" << c["dtype"] << "), step " << t << ", value " << i << ": ours "
          << ours[i] << ", torch " << expected[i];
  }
}

INSTANTIATE_TEST_SUITE_P(Optim, TorchReference, ::testing::ValuesIn(case_indices()),
                         [](const ::testing::TestParamInfo<Case>& info) { return case_name(info.param); });

}  // namespace
