// Callbacks: every hook fires in order with the right counts, after_backward sees the
// gradients and may change them or skip the step, and a callback can stop training.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "descent/data/synthetic.hpp"
#include "descent/descent.hpp"
#include "descent/optim/factory.hpp"
#include "descent/train/callbacks.hpp"

using namespace descent;

namespace {

DataSplits spirals(uint64_t seed) {
  Generator gen(seed);
  DataSplits s;
  s.train = make_spirals(300, gen, 0.1);
  s.dev = make_spirals(100, gen, 0.1);
  s.test = make_spirals(100, gen, 0.1);
  return s;
}

FitOptions quiet_options(int epochs, int64_t batch_size) {
  FitOptions options;
  options.epochs = epochs;
  options.batch_size = batch_size;
  options.quiet = true;
  return options;
}

// Writes one word per hook, prefixed with its name.
class Recorder : public Callback {
 public:
  Recorder(std::string name, std::vector<std::string>& log) : name_(std::move(name)), log_(log) {}
  void on_train_begin(FitContext&) override { log_.push_back(name_ + "train_begin"); }
  void on_epoch_begin(FitContext&) override { log_.push_back(name_ + "epoch_begin"); }
  void on_step_begin(FitContext& context) override {
    ASSERT_NE(context.batch, nullptr);
    log_.push_back(name_ + "step_begin");
  }
  void after_backward(FitContext& context) override {
    for (const Tensor& p : context.model.parameters()) ASSERT_TRUE(p.grad().defined());
    log_.push_back(name_ + "after_backward");
  }
  void on_step_end(FitContext&) override { log_.push_back(name_ + "step_end"); }
  void on_epoch_end(FitContext& context) override {
    EXPECT_EQ(context.progress.history.size(), static_cast<std::size_t>(context.progress.epoch));
    log_.push_back(name_ + "epoch_end");
  }
  void on_train_end(FitContext& context) override {
    EXPECT_GT(context.result.test_acc, 0.0);
    log_.push_back(name_ + "train_end");
  }

 private:
  std::string name_;
  std::vector<std::string>& log_;
};

std::vector<double> flat_parameters(const Module& model) {
  std::vector<double> values;
  for (const Tensor& p : model.parameters())
    for (double v : p.to_vector()) values.push_back(v);
  return values;
}

}  // namespace

TEST(Callbacks, FireInOrderWithTheRightCounts) {
  const DataSplits data = spirals(1);
  Generator gen(2);
  auto model = make_mlp("mlp:8", 2, 2, {}, &gen);
  auto opt = optim::make_optimizer("sgd:lr=0.1", model->parameters());
  std::vector<std::string> log;
  Recorder first("a.", log), second("b.", log);
  fit(*model, *opt, data, quiet_options(2, 200), {.callbacks = {&first, &second}});  // 600 examples: 3 steps an epoch

  std::vector<std::string> expected;
  auto both = [&](const std::string& hook) {
    expected.push_back("a." + hook);
    expected.push_back("b." + hook);
  };
  both("train_begin");
  for (int epoch = 0; epoch < 2; ++epoch) {
    both("epoch_begin");
    for (int step = 0; step < 3; ++step) {
      both("step_begin");
      both("after_backward");
      both("step_end");
    }
    both("epoch_end");
  }
  both("train_end");
  EXPECT_EQ(log, expected);
}

TEST(Callbacks, SkippingEveryStepLeavesTheWeightsUnchanged) {
  struct SkipAll : Callback {
    int64_t skipped = 0;
    void after_backward(FitContext& context) override {
      context.skip_step = true;
      ++skipped;
    }
  } skip;
  const DataSplits data = spirals(3);
  Generator gen(4);
  auto model = make_mlp("mlp:8", 2, 2, {}, &gen);
  auto opt = optim::make_optimizer("adam:lr=0.1", model->parameters());
  const std::vector<double> before = flat_parameters(*model);
  const FitResult r = fit(*model, *opt, data, quiet_options(2, 200), {.callbacks = {&skip}});
  EXPECT_EQ(flat_parameters(*model), before);
  EXPECT_EQ(skip.skipped, 6);
  EXPECT_EQ(r.step_losses.size(), 6u);  // the batches still count
}

TEST(Callbacks, AfterBackwardCanChangeTheGradients) {
  // Zeroed gradients: plain SGD moves nothing, although every step is taken.
  struct ZeroGradients : Callback {
    void after_backward(FitContext& context) override {
      for (const Tensor& p : context.model.parameters()) p.grad().mul_(0.0);
    }
  } zero;
  const DataSplits data = spirals(5);
  Generator gen(6);
  auto model = make_mlp("mlp:8", 2, 2, {}, &gen);
  auto opt = optim::make_optimizer("sgd:lr=0.5", model->parameters());
  const std::vector<double> before = flat_parameters(*model);
  fit(*model, *opt, data, quiet_options(2, 50), {.callbacks = {&zero}});
  EXPECT_EQ(flat_parameters(*model), before);
}

TEST(Callbacks, StoppingMidEpochEndsThatEpochAndTests) {
  struct StopAtStep : Callback {
    void on_step_end(FitContext& context) override {
      if (context.progress.global_step == 5) {
        context.stop = true;
        context.stop_reason = "enough";
      }
    }
  } stopper;
  const DataSplits data = spirals(7);
  Generator gen(8);
  auto model = make_mlp("mlp:8", 2, 2, {}, &gen);
  auto opt = optim::make_optimizer("adam:lr=0.01", model->parameters());
  const FitResult r = fit(*model, *opt, data, quiet_options(10, 200), {.callbacks = {&stopper}});
  ASSERT_EQ(r.history.size(), 2u);  // 3 steps, then 2 of the second epoch
  EXPECT_EQ(r.history[1].steps, 2);
  EXPECT_EQ(r.step_losses.size(), 5u);
  EXPECT_TRUE(r.stopped_early);
  EXPECT_EQ(r.stop_reason, "enough");
  EXPECT_GT(r.test_acc, 0.0);
}

TEST(Callbacks, StoppingAtAnEpochEnd) {
  struct StopAtEpoch : Callback {
    void on_epoch_end(FitContext& context) override { context.stop = context.progress.epoch == 3; }
  } stopper;
  const DataSplits data = spirals(9);
  Generator gen(10);
  auto model = make_mlp("mlp:8", 2, 2, {}, &gen);
  auto opt = optim::make_optimizer("adam:lr=0.01", model->parameters());
  const FitResult r = fit(*model, *opt, data, quiet_options(10, 100), {.callbacks = {&stopper}});
  EXPECT_EQ(r.history.size(), 3u);
  EXPECT_TRUE(r.stopped_early);
  EXPECT_FALSE(r.diverged);
}

TEST(Callbacks, AfterBackwardRunsForEveryClosureEvaluation) {
  struct Count : Callback {
    int64_t backward = 0, steps = 0;
    void after_backward(FitContext&) override { ++backward; }
    void on_step_end(FitContext&) override { ++steps; }
  } count;
  const DataSplits data = spirals(11);
  Generator gen(12);
  auto model = make_mlp("mlp:8", 2, 2, {.activation = "tanh"}, &gen);
  auto opt = optim::make_optimizer("lbfgs:lr=1,max_iter=5", model->parameters());
  fit(*model, *opt, data, quiet_options(2, 600), {.callbacks = {&count}});
  EXPECT_EQ(count.steps, 2);
  EXPECT_GT(count.backward, count.steps);  // the line search's evaluations too
}

TEST(Callbacks, TheScheduleDriverStepsPerBatchOrPerEpoch) {
  for (StepEvery every : {StepEvery::batch, StepEvery::epoch}) {
    const DataSplits data = spirals(13);
    Generator gen(14);
    auto model = make_mlp("mlp:8", 2, 2, {}, &gen);
    auto opt = optim::make_optimizer("sgd:lr=0.1", model->parameters());
    ScheduleDriver schedule("step:step_size=1,gamma=0.5", *opt, every);
    fit(*model, *opt, data, quiet_options(2, 200), {.callbacks = {}, .schedule = &schedule});
    EXPECT_EQ(schedule.scheduler().last_epoch(), every == StepEvery::batch ? 6 : 2);
  }
}

namespace {

// Makes the first parameter's gradient NaN at the given global steps (1-based), before SkipNonFinite judges it;
// snapshots the parameters and Adam's state when the poisoned step begins and after it ends.
class PoisonGradient : public Callback {
 public:
  explicit PoisonGradient(std::vector<int64_t> steps) : steps_(std::move(steps)) {}
  void on_step_begin(FitContext& context) override {
    if (!poisoned(context)) return;
    params_before = flat_parameters(context.model);
    adam_steps_before = adam_steps(context);
  }
  void after_backward(FitContext& context) override {
    if (!poisoned(context)) return;
    Tensor grad = context.model.parameters().front().grad();
    grad.data<float>()[0] = std::nanf("");
  }
  void on_step_end(FitContext& context) override {
    if (!poisoned(context)) return;
    params_after = flat_parameters(context.model);
    adam_steps_after = adam_steps(context);
  }
  std::vector<double> params_before, params_after;
  double adam_steps_before = -1, adam_steps_after = -1;

 private:
  bool poisoned(const FitContext& context) const {
    return std::find(steps_.begin(), steps_.end(), context.progress.global_step + 1) != steps_.end();
  }
  static double adam_steps(const FitContext& context) {
    const optim::OptimizerState state = context.optimizer.state_dict();
    return state.state.empty() ? 0.0 : state.state.at(0).scalars.at("step");
  }
  std::vector<int64_t> steps_;
};

// Adam on spirals (600 examples) with the poisoned steps' gradients, skipping up to 2 in a row.
FitResult fit_poisoned(int epochs, int64_t batch_size, PoisonGradient& poison) {
  const DataSplits data = spirals(1);
  Generator gen(2);
  auto model = make_mlp("mlp:8", 2, 2, {}, &gen);
  auto opt = optim::make_optimizer("adam:lr=0.01", model->parameters());
  FitOptions options = quiet_options(epochs, batch_size);
  options.skip_nonfinite = 2;
  const FitResult result = fit(*model, *opt, data, options, {.callbacks = {&poison}});
  for (double v : flat_parameters(*model)) EXPECT_TRUE(std::isfinite(v));
  return result;
}

}  // namespace

TEST(Callbacks, SkipNonFiniteLeavesParametersAndOptimizerStateAsTheyWere) {
  PoisonGradient poison({3});
  const FitResult result = fit_poisoned(2, 100, poison);  // 6 steps an epoch
  EXPECT_FALSE(result.diverged);
  EXPECT_EQ(poison.params_before, poison.params_after);  // not a bit moved
  EXPECT_EQ(poison.adam_steps_before, 2.0);
  EXPECT_EQ(poison.adam_steps_after, 2.0);  // Adam's step count untouched too
  ASSERT_EQ(result.history.size(), 2u);
  EXPECT_EQ(result.history[0].skipped_steps, 1);
  EXPECT_EQ(result.history[1].skipped_steps, 0);
}

TEST(Callbacks, SkipNonFiniteStopsAsDivergedAfterNInARow) {
  PoisonGradient poison({2, 4, 5, 6});  // 2 alone, then 4 and 5 in a row: stops at step 5, the second epoch's second
  const FitResult result = fit_poisoned(3, 200, poison);  // 3 steps an epoch
  EXPECT_TRUE(result.diverged);
  EXPECT_NE(result.stop_reason.find("2 steps in a row"), std::string::npos) << result.stop_reason;
  ASSERT_EQ(result.history.size(), 2u);  // the second epoch ends as usual (dev, best, test)
  EXPECT_EQ(result.history[0].skipped_steps, 1);
  EXPECT_EQ(result.history[1].skipped_steps, 2);
  EXPECT_EQ(result.history[1].steps, 2);
}
