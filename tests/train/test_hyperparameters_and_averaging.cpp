// Hyperparameters while training (read and set from a callback, logged in metrics.jsonl) and
// weight averaging inside fit() (--ema, --swa-start): what is evaluated, selected and logged.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/scratch.hpp"
#include "common/throws.hpp"
#include "descent/data/synthetic.hpp"
#include "descent/descent.hpp"
#include "descent/optim/factory.hpp"
#include "descent/train/callbacks.hpp"

using namespace descent;

namespace {

DataSplits spirals(uint64_t seed, bool with_dev = true) {
  Generator gen(seed);
  DataSplits s;
  s.train = make_spirals(200, gen, 0.1);
  s.dev = with_dev ? make_spirals(100, gen, 0.1) : s.train.rows(0, 0);
  s.test = make_spirals(100, gen, 0.1);
  return s;
}

FitOptions quiet_options(int epochs) {
  FitOptions options;
  options.epochs = epochs;
  options.batch_size = 50;
  options.quiet = true;
  return options;
}

std::vector<double> flat_parameters(const Module& model) {
  std::vector<double> values;
  for (const Tensor& p : model.parameters())
    for (double v : p.to_vector()) values.push_back(v);
  return values;
}

// Sets every group's lr to 0 at the end of epoch `epoch`, and records the parameters at each epoch end.
class FreezeAfter : public Callback {
 public:
  explicit FreezeAfter(int epoch) : epoch_(epoch) {}
  void on_epoch_end(FitContext& context) override {
    at_epoch_end.push_back(flat_parameters(context.model));
    if (context.progress.epoch != epoch_) return;
    for (std::size_t g = 0; g < context.optimizer.param_groups().size(); ++g)
      context.optimizer.set_hyperparameter(g, "lr", 0.0);
  }
  std::vector<std::vector<double>> at_epoch_end;

 private:
  int epoch_;
};

}  // namespace

TEST(Hyperparameters, ReadAndSetByNameWithRangeChecks) {
  Generator gen(1);
  auto model = make_mlp("mlp:4", 2, 2, {}, &gen);
  auto opt = optim::make_optimizer("adam:lr=1e-3,betas=0.8/0.99", model->parameters());
  EXPECT_EQ(opt->hyperparameter(0, "beta1"), 0.8);
  opt->set_hyperparameter(0, "lr", 0.5);
  EXPECT_EQ(opt->param_groups()[0].lr(), 0.5);
  EXPECT_TRUE(descent::testing::throws<ValueError>([&] { opt->set_hyperparameter(0, "beta2", 1.5); },
                                                   "adam: invalid beta2 = 1.5 (valid range: 0 <= beta2 < 1)"));
  EXPECT_EQ(opt->hyperparameter(0, "beta2"), 0.99);  // unchanged
  EXPECT_TRUE(descent::testing::throws<ValueError>([&] { opt->set_hyperparameter(1, "lr", 0.1); },
                                                   "parameter group 1 does not exist (the optimizer has 1)"));
  EXPECT_NE(descent::testing::error_of<ValueError>([&] {
              opt->set_hyperparameter(0, "momentum", 0.9);
            }).find("no hyperparameter 'momentum'"),
            std::string::npos);
}

// A callback that sets lr to 0 after the first epoch stops the updates from then on, and
// metrics.jsonl shows every group's lr, momentum and weight decay as they were.
TEST(Hyperparameters, ACallbackChangingLrChangesTheStepsAndMetricsShowIt) {
  const DataSplits data = spirals(1);
  const descent::testing::ScratchDir dir("hyperparameters", "freeze");
  auto run = [&](Callback* callback, const std::string& out) {
    Generator gen(2);
    auto model = make_mlp("mlp:8", 2, 2, {}, &gen);
    auto opt = optim::make_optimizer("sgd:lr=0.1,momentum=0.5,weight_decay=1e-4", model->parameters());
    FitOptions options = quiet_options(3);
    options.out = out;
    FitExtras extras;
    if (callback) extras.callbacks = {callback};
    return fit(*model, *opt, data, options, extras);
  };
  FreezeAfter freeze(1);
  const FitResult frozen = run(&freeze, (dir / "frozen").string());
  FreezeAfter watch(0);  // records only
  run(&watch, "");
  ASSERT_EQ(freeze.at_epoch_end.size(), 3u);
  // Momentum 0.5 still carries the velocity, but with lr 0 SGD adds lr * v = 0.
  EXPECT_EQ(freeze.at_epoch_end[2], freeze.at_epoch_end[0]);
  EXPECT_EQ(watch.at_epoch_end[0], freeze.at_epoch_end[0]);
  EXPECT_NE(watch.at_epoch_end[2], freeze.at_epoch_end[2]);
  std::ifstream metrics(dir / "frozen" / "metrics.jsonl");
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(metrics, line);) lines.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(lines.size(), 3u);
  const nlohmann::json expected_first = {{{"lr", 0.1}, {"momentum", 0.5}, {"weight_decay", 1e-4}}};
  EXPECT_EQ(lines[0]["groups"], expected_first);
  EXPECT_EQ(lines[1]["groups"][0]["lr"], 0.0);
  EXPECT_EQ(lines[2]["groups"][0]["lr"], 0.0);
  EXPECT_EQ(frozen.history[1].hyperparameters.at(0).at("lr"), 0.0);
}

// EMA leaves training as it would be (the same losses, the same trained weights) and counts
// every optimizer step; dev is evaluated with the average.
TEST(Averaging, EmaLeavesTrainingAsItIsAndCountsSteps) {
  const DataSplits data = spirals(3);
  auto run = [&](double ema, std::vector<std::vector<double>>* weights) {
    Generator gen(4);
    auto model = make_mlp("mlp:8", 2, 2, {.dropout = 0.2, .batch_norm = true}, &gen);
    auto opt = optim::make_optimizer("adam:lr=1e-2", model->parameters());
    manual_seed(5);
    FitOptions options = quiet_options(2);
    options.ema = ema;
    FreezeAfter watch(0);
    const FitResult result = fit(*model, *opt, data, options, {.callbacks = {&watch}});
    *weights = watch.at_epoch_end;
    return result;
  };
  std::vector<std::vector<double>> plain_weights, ema_weights;
  const FitResult plain = run(0.0, &plain_weights);
  const FitResult ema = run(0.9, &ema_weights);
  EXPECT_EQ(plain.step_losses, ema.step_losses);
  EXPECT_EQ(plain_weights, ema_weights);
  ASSERT_EQ(ema.history.size(), 2u);
  EXPECT_EQ(ema.history[0].n_averaged, ema.history[0].steps);  // one update per optimizer step
  EXPECT_EQ(ema.history[1].n_averaged, ema.history[0].steps + ema.history[1].steps);
  EXPECT_FALSE(plain.history[0].n_averaged.has_value());
  EXPECT_NE(plain.history[1].dev_loss, ema.history[1].dev_loss);
}

// SWA from epoch 2 of 3 without a dev set: the kept (and tested) weights are the equal average
// of the weights at the ends of epochs 2 and 3.
TEST(Averaging, SwaKeepsTheEqualAverageOfEpochEnds) {
  const DataSplits data = spirals(6, /*with_dev=*/false);
  Generator gen(7);
  auto model = make_mlp("mlp:8", 2, 2, {}, &gen);
  auto opt = optim::make_optimizer("sgd:lr=0.1", model->parameters());
  FitOptions options = quiet_options(3);
  options.swa_start = 2;
  FreezeAfter watch(0);
  const FitResult result = fit(*model, *opt, data, options, {.callbacks = {&watch}});
  EXPECT_EQ(result.history[0].n_averaged, 0);
  EXPECT_EQ(result.history[2].n_averaged, 2);
  const std::vector<double> kept = flat_parameters(*model);
  ASSERT_EQ(kept.size(), watch.at_epoch_end[1].size());
  for (std::size_t i = 0; i < kept.size(); ++i) {
    const double a = watch.at_epoch_end[1][i], b = watch.at_epoch_end[2][i];
    EXPECT_NEAR(kept[i], a + (b - a) / 2, 1e-6) << i;
  }
}

TEST(Averaging, RefusesBadSettings) {
  FitOptions options = quiet_options(3);
  options.ema = 1.5;
  EXPECT_TRUE(descent::testing::throws<ValueError>([&] { check_averaging(options); },
                                                   "--ema must be a decay in [0, 1) (0: off), got 1.5"));
  options.ema = 0;
  options.swa_start = 4;
  EXPECT_TRUE(descent::testing::throws<ValueError>([&] { check_averaging(options); },
                                                   "--swa-start must be an epoch from 1 to --epochs (3), got 4"));
  options.swa_start = 2;
  options.ema = 0.9;
  EXPECT_TRUE(descent::testing::throws<ValueError>([&] { check_averaging(options); },
                                                   "--ema and --swa-start are two kinds of weight averaging; use one"));
}
