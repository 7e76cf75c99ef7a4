// The training loop: it learns, keeps the best parameters on dev, writes the run folder,
// stops on a non-finite loss with the best parameters kept, and stops early with patience.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "descent/data/synthetic.hpp"
#include "descent/descent.hpp"
#include "descent/io/safetensors.hpp"
#include "descent/optim/factory.hpp"
#include "descent/schedule/driver.hpp"
#include "descent/train/fit.hpp"
#include "descent/train/run.hpp"

using namespace descent;
namespace fs = std::filesystem;

namespace {

DataSplits spirals(uint64_t seed) {
  Generator gen(seed);
  DataSplits s;
  s.train = make_spirals(300, gen, 0.1);
  s.dev = make_spirals(100, gen, 0.1);
  s.test = make_spirals(100, gen, 0.1);
  return s;
}

fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("descent_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  return p;
}

}  // namespace

TEST(Fit, LearnsSpiralsAndWritesTheRunFolder) {
  const DataSplits data = spirals(1);
  Generator gen(2);
  auto model = make_mlp("mlp:64-64", 2, 2, {.activation = "tanh"}, &gen);
  auto opt = optim::make_optimizer("adam:lr=0.01", model->parameters());
  FitOptions o;
  o.epochs = 40;
  o.batch_size = 32;
  o.quiet = true;
  o.out = temp_dir("fit").string();
  const FitResult r = fit(*model, *opt, data, o);
  EXPECT_GT(r.test_acc, 0.9);
  ASSERT_EQ(r.history.size(), 40u);
  EXPECT_LT(r.history.back().train_loss, r.history.front().train_loss);

  // The restored model is the best epoch's: evaluating dev again gives the best dev accuracy.
  const EvalResult dev = evaluate(*model, data.dev, make_loss("cross_entropy", 2));
  EXPECT_DOUBLE_EQ(dev.accuracy, r.best_dev_acc);
  EXPECT_DOUBLE_EQ(r.history[static_cast<std::size_t>(r.best_epoch - 1)].dev_acc, r.best_dev_acc);
  for (const EpochMetrics& m : r.history) EXPECT_LE(m.dev_acc, r.best_dev_acc);

  // metrics.jsonl: one object per epoch with the documented keys.
  std::ifstream metrics(fs::path(o.out) / "metrics.jsonl");
  std::string line;
  int lines = 0;
  while (std::getline(metrics, line)) {
    const auto j = nlohmann::json::parse(line);
    for (const char* key : {"epoch", "train_loss", "train_acc", "dev_loss", "dev_acc", "lr", "seconds"})
      EXPECT_TRUE(j.contains(key)) << key;
    EXPECT_EQ(j["epoch"], ++lines);
  }
  EXPECT_EQ(lines, 40);
  std::ifstream summary_in(fs::path(o.out) / "summary.json");
  const auto summary = nlohmann::json::parse(summary_in);
  EXPECT_EQ(summary["best_epoch"], r.best_epoch);
  EXPECT_DOUBLE_EQ(summary["test_acc"].get<double>(), r.test_acc);
  const SafetensorsFile best = load_safetensors(fs::path(o.out) / "best.safetensors");
  ASSERT_EQ(best.tensors.size(), model->state_dict().size());
  EXPECT_EQ(best.tensors[0].first, "0.weight");
  EXPECT_EQ(best.tensors[0].second.to_vector(), model->state_dict()[0].second.to_vector());
  fs::remove_all(o.out);
}

TEST(Fit, NonFiniteLossStopsAndKeepsTheBestParameters) {
  const DataSplits data = spirals(3);
  Generator gen(4);
  auto model = make_mlp("mlp:16", 2, 2, {}, &gen);
  // A learning rate that grows 10x per epoch: fine at first, then overflow.
  auto opt = optim::make_optimizer("sgd:lr=0.1", model->parameters());
  ScheduleDriver schedule("exponential:gamma=1000", *opt, StepEvery::epoch);
  FitOptions o;
  o.epochs = 30;
  o.quiet = true;
  const FitResult r = fit(*model, *opt, data, o, {.callbacks = {}, .schedule = &schedule});
  ASSERT_TRUE(r.diverged);
  EXPECT_NE(r.stop_reason.find("at epoch"), std::string::npos) << r.stop_reason;
  EXPECT_NE(r.stop_reason.find("step"), std::string::npos) << r.stop_reason;
  EXPECT_GE(r.best_epoch, 1);
  for (const auto& [name, t] : model->state_dict())
    for (double v : t.to_vector()) ASSERT_TRUE(std::isfinite(v)) << name;
  EXPECT_GT(r.test_acc, 0.4);  // the kept parameters still classify
}

TEST(Fit, EarlyStoppingWithPatience) {
  const DataSplits data = spirals(5);
  Generator gen(6);
  auto model = make_mlp("linear", 2, 2, {}, &gen);
  auto opt = optim::make_optimizer("sgd:lr=0.0", model->parameters());  // nothing ever improves
  FitOptions o;
  o.epochs = 20;
  o.patience = 3;
  o.quiet = true;
  const FitResult r = fit(*model, *opt, data, o);
  EXPECT_TRUE(r.stopped_early);
  EXPECT_EQ(r.history.size(), 4u);  // epoch 1 sets the best, 3 more without improvement
}

TEST(Fit, ExplicitL2PenaltyShrinksWeights) {
  const DataSplits data = spirals(7);
  auto norm_after = [&](double l2) {
    Generator gen(8);
    auto model = make_mlp("mlp:32", 2, 2, {}, &gen);
    auto opt = optim::make_optimizer("sgd:lr=0.1", model->parameters());
    FitOptions o;
    o.epochs = 5;
    o.quiet = true;
    o.l2 = l2;
    fit(*model, *opt, data, o);
    double s = 0;
    for (double v : model->named_parameters()[0].second.to_vector()) s += v * v;
    return s;
  };
  EXPECT_LT(norm_after(0.05), 0.9 * norm_after(0.0));
}

TEST(RandomLabels, ReplacesTheGivenFraction) {
  Generator gen(9);
  Dataset d = make_blobs(2000, 10, 2, gen);
  const std::vector<double> before = d.y.to_vector();
  randomize_labels(d, 0.5, gen);
  const std::vector<double> after = d.y.to_vector();
  int changed = 0;
  for (std::size_t i = 0; i < before.size(); ++i) changed += before[i] != after[i];
  // Half are redrawn; a redrawn label keeps its class with probability 1/10.
  EXPECT_NEAR(changed / 2000.0, 0.5 * 0.9, 0.04);
}

TEST(ParamGroups, GlobPatternsMakeGroups) {
  Generator gen(10);
  auto model = make_mlp("mlp:4", 3, 2, {}, &gen);
  auto groups = make_param_groups(model->named_parameters(), {"*.bias:weight_decay=0"});
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].names, (std::vector<std::string>{"0.weight", "2.weight"}));
  EXPECT_EQ(groups[1].names, (std::vector<std::string>{"0.bias", "2.bias"}));
  EXPECT_EQ(groups[1].options.at("weight_decay"), 0.0);
  EXPECT_THROW(make_param_groups(model->named_parameters(), {"*.gamma:lr=1"}), ValueError);
  EXPECT_THROW(make_param_groups(model->named_parameters(), {"nocolon"}), ValueError);
}

TEST(Fit, ClosureOptimizersAndScheduleFreeTrain) {
  const DataSplits data = spirals(11);
  for (const char* spec : {"lbfgs:lr=1,history_size=10,line_search_fn=strong_wolfe", "schedule_free_adamw:lr=0.01"}) {
    Generator gen(12);
    auto model = make_mlp("mlp:32", 2, 2, {.activation = "tanh"}, &gen);
    auto opt = optim::make_optimizer(spec, model->parameters());
    FitOptions o;
    o.epochs = 15;
    // L-BFGS's curvature pairs need one objective: full-batch steps (minibatch noise breaks them).
    o.batch_size = std::string(spec).rfind("lbfgs", 0) == 0 ? data.train.size() : 64;
    o.quiet = true;
    const FitResult r = fit(*model, *opt, data, o);
    EXPECT_LT(r.history.back().train_loss, 0.8 * r.history.front().train_loss) << spec;
    EXPECT_GT(r.test_acc, 0.6) << spec;
  }
}

TEST(Fit, WithoutADevSetTheLatestParametersAreKept) {
  DataSplits data = spirals(13);
  data.dev = data.dev.rows(0, 0);
  Generator gen(14);
  auto model = make_mlp("mlp:16", 2, 2, {}, &gen);
  auto opt = optim::make_optimizer("adam:lr=0.01", model->parameters());
  FitOptions o;
  o.epochs = 5;
  o.quiet = true;
  const FitResult r = fit(*model, *opt, data, o);
  EXPECT_EQ(r.best_epoch, 5);
}

namespace {

// One epoch of Adam on spirals in float64 with a per-batch cosine schedule; the parameters after it.
NamedTensors one_epoch(int64_t batch_size, int64_t accumulate_steps) {
  DataSplits data = spirals(1);
  for (Dataset* part : {&data.train, &data.dev, &data.test}) part->x = part->x.to(DType::f64);  // labels stay int64
  Generator gen(4);
  auto model = make_mlp("mlp:16-8", 2, 2, {.dtype = DType::f64}, &gen);
  auto opt = optim::make_optimizer("adam:lr=0.01", model->parameters());
  const int64_t cycle = batch_size * std::max<int64_t>(1, accumulate_steps);
  const int64_t steps = (600 + cycle - 1) / cycle;
  ScheduleDriver schedule("cosine:T_max=" + std::to_string(steps), *opt, StepEvery::batch);
  FitOptions options;
  options.epochs = 1;
  options.batch_size = batch_size;
  options.accumulate_steps = accumulate_steps;
  options.quiet = true;
  fit(*model, *opt, data, options, {.schedule = &schedule});
  EXPECT_NEAR(opt->param_groups().front().lr(), 0.0, 1e-15);  // the schedule counted optimizer steps to its end
  return model->state_dict();
}

}  // namespace

// Batch size B with K accumulation steps trains as batch size K·B: the same mean gradient per
// step, to rounding (600 examples: 70 = 7 × 10 leaves a last cycle of 40, as the large batch).
TEST(Fit, AccumulatingKBatchesOfBIsOneBatchOfKB) {
  constexpr double kTolerance = 1e-9;  // max|a - b| / max|b| per tensor, float64
  for (const auto [batch, steps] : {std::pair<int64_t, int64_t>{10, 4}, {10, 7}}) {
    const NamedTensors accumulated = one_epoch(batch, steps), large = one_epoch(batch * steps, 1);
    ASSERT_EQ(accumulated.size(), large.size());
    for (std::size_t i = 0; i < large.size(); ++i) {
      const std::vector<double> a = accumulated[i].second.to_vector(), b = large[i].second.to_vector();
      double diff = 0, scale = 0;
      for (std::size_t j = 0; j < b.size(); ++j) {
        diff = std::max(diff, std::abs(a[j] - b[j]));
        scale = std::max(scale, std::abs(b[j]));
      }
      EXPECT_LE(diff / scale, kTolerance) << large[i].first << " with " << steps << " x " << batch;
    }
  }
  EXPECT_THROW(one_epoch(10, 0), ValueError);
}
