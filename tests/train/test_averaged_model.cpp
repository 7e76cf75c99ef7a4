// AveragedModel and update_bn against torch.optim.swa_utils (tests/reference/averaging.json,
// scripts/reference/gen_averaging.py), in float64.
#include <gtest/gtest.h>

#include "../common/reference.hpp"
#include "../common/throws.hpp"
#include "descent/descent.hpp"
#include "descent/train/averaged_model.hpp"

namespace descent {
namespace {

using testing::close;
using testing::json;
using testing::read_reference;
using testing::tensor_from;

constexpr double kTol = 1e-12;

std::shared_ptr<Sequential> bn_net() {
  return std::make_shared<Sequential>(Linear(3, 4, true, DType::f64), BatchNorm1d(4, 1e-5, 0.1, true, DType::f64),
                                      ReLU(), Linear(4, 2, true, DType::f64));
}

NamedTensors state_of(const json& j, const Module& like) {
  NamedTensors out;
  for (const auto& [name, t] : like.state_dict()) out.emplace_back(name, tensor_from(j.at(name), DType::f64));
  return out;
}

// Every tensor of `average` (or only the parameters) against torch's.
void expect_state(const NamedTensors& average, const json& torch, std::size_t count, const std::string& what) {
  for (std::size_t i = 0; i < count; ++i)
    EXPECT_TRUE(close(average[i].second, torch.at(average[i].first), kTol, kTol, what + " " + average[i].first));
}

class AveragedModelReference : public ::testing::Test {
 protected:
  json ref = read_reference("averaging.json");
  std::shared_ptr<Sequential> model = bn_net();
  std::size_t parameters = model->named_parameters().size();

  void replay(AveragedModel& average, const std::string& key, std::size_t compared) {
    int64_t n = 0;
    for (const json& update : ref["updates"]) {
      model->load_state_dict(state_of(update["model"], *model));
      average.update_parameters(*model);
      EXPECT_EQ(average.n_averaged(), ++n);
      expect_state(average.state_dict(), update[key], compared, key + " update " + std::to_string(n));
    }
  }
  void SetUp() override { model->load_state_dict(state_of(ref["initial"], *model)); }
};

TEST_F(AveragedModelReference, EqualAverageAsSwaUtils) {
  AveragedModel swa(*model);
  replay(swa, "swa", parameters);
}

TEST_F(AveragedModelReference, ExponentialAverageAsAvgFn) {
  AveragedModel ema = AveragedModel::ema(*model, ref["decay"].get<double>());
  replay(ema, "ema", parameters);
}

TEST_F(AveragedModelReference, UseBuffersAveragesRunningStatistics) {
  AveragedModel ema = AveragedModel::ema(*model, ref["decay"].get<double>(), /*use_buffers=*/true);
  replay(ema, "ema_buffers", model->state_dict().size());
}

// Without use_buffers the buffers follow the model (torch >= 2.0; 1.13 kept the construction-time copy).
TEST_F(AveragedModelReference, WithoutUseBuffersBuffersFollowTheModel) {
  AveragedModel swa(*model);
  for (const json& update : ref["updates"]) {
    model->load_state_dict(state_of(update["model"], *model));
    swa.update_parameters(*model);
  }
  const NamedTensors& avg = swa.state_dict();
  for (std::size_t i = parameters; i < avg.size(); ++i)
    EXPECT_TRUE(close(avg[i].second, ref["updates"].back()["model"].at(avg[i].first), 0, 0, avg[i].first));
}

TEST_F(AveragedModelReference, UpdateBnRecomputesStatisticsAsSwaUtils) {
  AveragedModel swa(*model);
  for (const json& update : ref["updates"]) {
    model->load_state_dict(state_of(update["model"], *model));
    swa.update_parameters(*model);
  }
  swa.copy_to(*model);
  const json& bn = ref["update_bn"];
  std::vector<Tensor> parts;
  for (const json& b : bn["batches"]) parts.push_back(tensor_from(b, DType::f64));
  const Tensor x = concat(parts, 0);
  Dataset data{.x = x, .y = Tensor::zeros(Shape{x.size(0)}, DType::f64), .item_shape = Shape{3}};
  DataLoader loader(data, {.batch_size = 5, .shuffle = false});
  model->eval();
  ASSERT_TRUE(update_bn(loader, *model));
  EXPECT_FALSE(model->is_training());  // the mode is restored
  auto* norm = dynamic_cast<BatchNorm1d*>(model->children()[1].second.get());
  ASSERT_NE(norm, nullptr);
  EXPECT_TRUE(norm->momentum.has_value());  // restored too
  EXPECT_EQ(*norm->momentum, 0.1);
  expect_state(model->state_dict(), bn["state"], model->state_dict().size(), "update_bn");
  const Tensor out = (*model)(tensor_from(bn["probe"], DType::f64));
  EXPECT_TRUE(close(out, bn["output"], kTol, kTol, "eval output"));
}

TEST(AveragedModel, UpdateBnLeavesAModelWithoutBatchNorm) {
  Sequential model(Linear(3, 2, true, DType::f64));
  Dataset data{.x = Tensor::ones(Shape{4, 3}, DType::f64), .y = Tensor::zeros(Shape{4}, DType::f64)};
  DataLoader loader(data, {.batch_size = 2, .shuffle = false});
  EXPECT_FALSE(update_bn(loader, model));
  EXPECT_FALSE(has_batch_norm(model));
}

TEST(AveragedModel, RefusesBadDecayAndMismatchedModels) {
  Sequential a(Linear(3, 2, true, DType::f64));
  Sequential b(Linear(3, 2, true, DType::f64), ReLU(), Linear(2, 2, true, DType::f64));
  EXPECT_TRUE(testing::throws<ValueError>([&] { AveragedModel::ema(a, 1.5); },
                                          "exponential_average: decay must be in [0, 1), got 1.5"));
  AveragedModel avg(a);
  EXPECT_TRUE(testing::throws<
              ValueError>([&] { avg.update_parameters(b); },
                          "AveragedModel::update_parameters: the model has 4 parameters and buffers, the average 2"));
  EXPECT_TRUE(testing::throws<ValueError>([&] { avg.load_state_dict(b.state_dict(), 1); },
                                          "AveragedModel::load_state_dict: expected 2 tensors, got 4"));
}

// Saving and restoring the average and its count continues it exactly.
TEST(AveragedModel, LoadStateDictContinuesTheAverage) {
  Sequential model(Linear(3, 2, true, DType::f64));
  AveragedModel first(model), second(model);
  for (int i = 0; i < 3; ++i) {
    {
      NoGradGuard guard;
      for (Tensor p : model.parameters()) p.add_(Tensor::full(p.shape(), 0.5 * i + 0.25, DType::f64));
    }
    first.update_parameters(model);
    if (i == 1) second.load_state_dict(first.state_dict(), first.n_averaged());
    if (i == 2) second.update_parameters(model);
  }
  EXPECT_EQ(second.n_averaged(), 3);
  for (std::size_t i = 0; i < first.state_dict().size(); ++i)
    EXPECT_EQ(first.state_dict()[i].second.to_vector(), second.state_dict()[i].second.to_vector());
}

}  // namespace
}  // namespace descent
