// Whole-training parity with PyTorch, as llm.c checks its training step: the same MLP with batch
// norm, the same initial weights and batch order, 20 steps of SGD with momentum and of AdamW with
// gradient-norm clipping, weight decay on the Linear weights only and a per-batch cosine
// schedule, in float64. Every step's loss and the final parameters and running statistics must
// match scripts/reference/gen_parity.py's (tests/reference/parity.json), so a difference anywhere
// in forward, backward, clipping, the update or the schedule shows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "descent/nn/loss.hpp"
#include "descent/nn/mlp.hpp"
#include "descent/optim/clip.hpp"
#include "descent/optim/factory.hpp"
#include "descent/schedule/driver.hpp"
#include "descent/train/run.hpp"

using namespace descent;
using nlohmann::json;

namespace {

constexpr double kLossTolerance = 1e-10;  // relative, float64 on both sides
// Relative to max(1, |value|). Looser than the losses' for one reason: a Linear bias feeding
// batch norm has a true gradient of zero (the normalization removes the mean), so what it gets
// is rounding noise (~1e-17) that differs between the two implementations; AdamW divides that
// by sqrt(v) + eps (eps = 1e-8) and moves the bias by up to lr * 1e-9 a step, ~2e-10 over the
// 20 steps, and the next layer's running mean follows it.
constexpr double kWeightTolerance = 1e-9;

const json& reference() {
  static const json parity = [] {
    std::ifstream in(std::string(DESCENT_REFERENCE_DIR) + "/parity.json");
    return json::parse(in);
  }();
  return parity;
}

Tensor tensor_of(const json& entry) {
  const auto shape = entry["shape"].get<std::vector<int64_t>>();
  return Tensor::from_data(entry["values"].get<std::vector<double>>(), Shape(std::span<const int64_t>(shape)),
                           DType::f64);
}

NamedTensors named_tensors_of(const json& state) {
  NamedTensors tensors;
  for (const auto& [name, entry] : state.items()) tensors.emplace_back(name, tensor_of(entry));
  return tensors;
}

// The rows `indices` of the reference's inputs and labels.
std::pair<Tensor, Tensor> batch_of(const std::vector<int64_t>& indices) {
  const auto x = reference()["x"].get<std::vector<double>>();
  const auto y = reference()["y"].get<std::vector<int64_t>>();
  const auto features = reference()["features"].get<int64_t>();
  std::vector<double> rows;
  std::vector<int64_t> labels;  // int64, as torch's
  for (const int64_t i : indices) {
    rows.insert(rows.end(), x.begin() + i * features, x.begin() + (i + 1) * features);
    labels.push_back(y[i]);
  }
  const auto count = static_cast<int64_t>(indices.size());
  return {Tensor::from_data(rows, {count, features}, DType::f64), Tensor::from_data(labels, {count})};
}

std::shared_ptr<Sequential> initial_model() {
  std::string spec = "mlp:";
  for (const int64_t width : reference()["hidden"].get<std::vector<int64_t>>())
    spec += (spec.size() > 4 ? "-" : "") + std::to_string(width);
  auto model = make_mlp(spec, reference()["features"].get<int64_t>(), reference()["classes"].get<int64_t>(),
                        {.dropout = 0, .batch_norm = true, .dtype = DType::f64});
  model->load_state_dict(named_tensors_of(reference()["initial"]));
  return model;
}

// The generator's groups: biases and batch norm's weights (Sequential indices 1 and 4) without decay.
const std::vector<std::string> kNoDecayGroups = {"*.bias:weight_decay=0", "1.weight:weight_decay=0",
                                                 "4.weight:weight_decay=0"};

class TrainingParity : public ::testing::TestWithParam<std::size_t> {};

TEST_P(TrainingParity, LossesAndFinalWeightsMatchPyTorch) {
  const json& expected = reference()["cases"][GetParam()];
  SCOPED_TRACE(expected["name"].get<std::string>());
  auto model = initial_model();
  model->train();
  auto optimizer = optim::make_optimizer(expected["optimizer"].get<std::string>(),
                                         make_param_groups(model->named_parameters(), kNoDecayGroups));
  ScheduleDriver schedule(expected["schedule"].get<std::string>(), *optimizer, StepEvery::batch);
  const auto clip = expected["clip_grad_norm"].get<double>();
  const auto losses = expected["losses"].get<std::vector<double>>();
  const auto batches = reference()["batches"].get<std::vector<std::vector<int64_t>>>();
  ASSERT_EQ(batches.size(), losses.size());
  for (std::size_t step = 0; step < batches.size(); ++step) {
    const auto [x, y] = batch_of(batches[step]);
    optimizer->zero_grad();
    Tensor loss = cross_entropy((*model)(x), y);
    loss.backward();
    if (clip > 0) optim::clip_grad_norm_(model->parameters(), clip);
    optimizer->step();
    schedule.after_batch();
    EXPECT_NEAR(loss.item(), losses[step], kLossTolerance * std::abs(losses[step])) << "step " << step + 1;
  }
  for (const auto& [name, tensor] : model->state_dict()) {
    const std::vector<double> got = tensor.to_vector();
    const auto want = expected["final"][name]["values"].get<std::vector<double>>();
    ASSERT_EQ(got.size(), want.size()) << name;
    for (std::size_t i = 0; i < got.size(); ++i)
      EXPECT_NEAR(got[i], want[i], kWeightTolerance * std::max(1.0, std::abs(want[i]))) << name << "[" << i << "]";
  }
}

INSTANTIATE_TEST_SUITE_P(SgdMomentumAndAdamWClipped, TrainingParity, ::testing::Values(0, 1),
                         [](const ::testing::TestParamInfo<std::size_t>& info) {
                           return reference()["cases"][info.param]["name"].get<std::string>();
                         });

}  // namespace
