// The spec grammar and bad input: every refusal names the offending token and what is valid.
#include <gtest/gtest.h>

#include "helpers.hpp"

using namespace descent;
using namespace descent::optim;
using descent::testing::lrs_of;
using descent::testing::two_group_optimizer;

namespace {

// Expects make_scheduler(spec) to throw ValueError whose message contains every fragment.
void expect_refused(const std::string& spec, std::vector<std::string> fragments, const std::string& kind = "sgd") {
  auto o = two_group_optimizer(kind);
  try {
    make_scheduler(spec, *o);
    ADD_FAILURE() << "'" << spec << "' was accepted";
  } catch (const ValueError& e) {
    for (const auto& f : fragments)
      EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << "'" << e.what() << "' lacks '" << f << "'";
  }
}

TEST(ScheduleSpec, UnknownNameListsValidNames) { expect_refused("cosin:T_max=5", {"'cosin'", "cosine", "onecycle"}); }
TEST(ScheduleSpec, UnknownKeyListsValidKeys) { expect_refused("cosine:tmax=5", {"'tmax'", "T_max", "eta_min"}); }
TEST(ScheduleSpec, MissingRequiredKey) { expect_refused("cosine", {"T_max"}); }
TEST(ScheduleSpec, NotANumber) { expect_refused("cosine:T_max=abc", {"T_max", "'abc'"}); }
TEST(ScheduleSpec, NotAnInteger) { expect_refused("step:step_size=2.5", {"step_size", "2.5"}); }
TEST(ScheduleSpec, NotAPair) { expect_refused("cosine:T_max", {"key=value", "T_max"}); }
TEST(ScheduleSpec, KeyGivenTwice) { expect_refused("cosine:T_max=5,T_max=6", {"twice", "T_max"}); }
TEST(ScheduleSpec, Empty) {
  expect_refused("", {"empty"});
  expect_refused("cosine:T_max=5+", {"'cosine:T_max=5+'", "no schedule on one side"});
  expect_refused("*cosine:T_max=5", {"no schedule on one side"});
}
TEST(ScheduleSpec, UnsortedMilestones) { expect_refused("multistep:milestones=30;10", {"10", "30", "increasing"}); }
TEST(ScheduleSpec, NegativeMilestone) { expect_refused("multistep:milestones=-5;10", {"-5", "negative"}); }
TEST(ScheduleSpec, NonPositiveTMax) {
  expect_refused("cosine:T_max=0", {"T_max", "0"});
  expect_refused("cosine:T_max=-3", {"T_max", "-3"});
}
TEST(ScheduleSpec, MaxLrBelowBaseLr) { expect_refused("cyclic:base_lr=0.1,max_lr=0.01", {"max_lr", "base_lr"}); }
TEST(ScheduleSpec, CyclicMomentumOnAdam) { expect_refused("cyclic:max_lr=1", {"adam", "cycle_momentum=0"}, "adam"); }
TEST(ScheduleSpec, SequencePartWithoutLength) {
  expect_refused("step:step_size=10+cosine:T_max=5", {"step:step_size=10", "steps=N"});
}
TEST(ScheduleSpec, StepsOnTheLastPart) { expect_refused("cosine:T_max=10,steps=5", {"'steps'"}); }
TEST(ScheduleSpec, PlateauOnlyLast) { expect_refused("plateau:steps=5+cosine:T_max=10", {"plateau", "last"}); }
TEST(ScheduleSpec, BadMode) { expect_refused("plateau:mode=maximum", {"maximum", "min, max"}); }
TEST(ScheduleSpec, BadFlag) { expect_refused("onecycle:total_steps=10,three_phase=yes", {"three_phase", "yes"}); }

TEST(ScheduleSpec, ValuesFollowTheSharedRules) {
  expect_refused("cosine:T_max=10,eta_min=nan", {"eta_min='nan'", "finite"});
  expect_refused("cosine:T_max=10x", {"T_max='10x'", "not a number"});
  expect_refused("onecycle:total_steps=10,three_phase=True", {"three_phase='True'", "true, false, 1 or 0"});
  expect_refused("cosine:T_max=5,eta_min=0,T_max=6", {"'T_max' is given twice"});
}

TEST(ScheduleSpec, DefaultsAreTheOptionStructs) {
  for (const ScheduleHelp& schedule : schedule_help())
    if (schedule.name == "constant") {
      EXPECT_EQ(schedule.keys.at(0).key, "factor");
      EXPECT_EQ(std::stod(schedule.keys[0].default_value), ConstantLROptions{}.factor);
    }
  auto o = two_group_optimizer("sgd");
  auto constant = make_scheduler("constant", *o);
  EXPECT_EQ(lrs_of(*o)[0], 0.1 * (1.0 / 3));
}

TEST(BaseLrs, ComeFromTheConstructorWhenGiven) {
  auto o = two_group_optimizer("sgd");
  StepLR given(*o, {.step_size = 1, .gamma = 0.5}, {1.0, 2.0});
  EXPECT_EQ(given.base_lrs(), (std::vector<double>{1.0, 2.0}));
  given.step_to(1);  // the closed form, from the given base lrs
  EXPECT_EQ(lrs_of(*o), (std::vector<double>{0.5, 1.0}));
  StepLR from_groups(*o, {.step_size = 1});
  EXPECT_EQ(from_groups.base_lrs(), (std::vector<double>{0.5, 1.0}));
  EXPECT_THROW(StepLR(*o, {.step_size = 1}, {1.0}), ValueError);
}

TEST(ScheduleSpec, OneCycleRefusesToStepPastItsTotal) {
  auto o = two_group_optimizer("sgd");
  auto s = make_scheduler("onecycle:max_lr=1,total_steps=10", *o);
  for (int i = 0; i < 10; ++i) s->step();  // PyTorch allows reaching last_epoch == total_steps
  std::vector<double> before = lrs_of(*o);
  try {
    s->step();
    ADD_FAILURE() << "stepped past total_steps";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("total_steps=10"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("11"), std::string::npos) << e.what();
  }
  EXPECT_EQ(lrs_of(*o), before);
  EXPECT_EQ(s->last_epoch(), 10);
}

TEST(ScheduleSpec, ExponentSignIsNotASequence) {
  auto o = two_group_optimizer("sgd");
  auto s = make_scheduler("warmup:steps=1e+1+cosine:T_max=10", *o);
  auto* seq = dynamic_cast<SequentialLR*>(s.get());
  ASSERT_NE(seq, nullptr);
  EXPECT_EQ(seq->milestones(), std::vector<int64_t>{10});
}

TEST(ScheduleSpec, MilestonesAreRunningSumsOfLengths) {
  auto o = two_group_optimizer("sgd");
  auto s =
      make_scheduler("warmup:steps=5 + linear:total_iters=20 + cosine:T_max=7,steps=3 + exponential:gamma=0.9", *o);
  auto* seq = dynamic_cast<SequentialLR*>(s.get());
  ASSERT_NE(seq, nullptr);
  EXPECT_EQ(seq->milestones(), (std::vector<int64_t>{5, 25, 28}));
}

TEST(ScheduleSpec, StarChainsTerms) {
  auto o = two_group_optimizer("sgd");
  auto s = make_scheduler("constant:factor=0.5,total_iters=2*exponential:gamma=0.5", *o);
  EXPECT_NE(dynamic_cast<ChainedScheduler*>(s.get()), nullptr);
  EXPECT_DOUBLE_EQ(lrs_of(*o)[0], 0.05);
  s->step();
  EXPECT_DOUBLE_EQ(lrs_of(*o)[0], 0.025);
  s->step();  // the constant factor ends: ×2, and the decay: ×0.5
  EXPECT_DOUBLE_EQ(lrs_of(*o)[0], 0.025);
}

TEST(ScheduleSpec, EveryNameBuildsWithItsRequiredKeys) {
  // One minimal spec per name; a new name without an entry here fails this test.
  const std::map<std::string, std::string> minimal = {
      {"accuracy_plateau", "accuracy_plateau:epochs=3"},
      {"constant", "constant"},
      {"cosine", "cosine:T_max=10"},
      {"cosine_decay", "cosine_decay:decay_steps=10"},
      {"cosine_decay_restarts", "cosine_decay_restarts:first_decay_steps=10"},
      {"cosine_restarts", "cosine_restarts:T_0=10"},
      {"cyclic", "cyclic:max_lr=1"},
      {"exponential", "exponential:gamma=0.9"},
      {"exponential_decay", "exponential_decay:decay_steps=10,decay_rate=0.5"},
      {"halving", "halving:every=10"},
      {"inverse_sqrt", "inverse_sqrt:warmup_steps=10"},
      {"inverse_time_decay", "inverse_time_decay:decay_steps=10,decay_rate=0.5"},
      {"linear", "linear"},
      {"multistep", "multistep:milestones=5"},
      {"natural_exp", "natural_exp:k=0.1"},
      {"onecycle", "onecycle:total_steps=10"},
      {"piecewise_constant", "piecewise_constant:boundaries=5,values=0.1;0.01"},
      {"plateau", "plateau"},
      {"polynomial", "polynomial"},
      {"polynomial_decay", "polynomial_decay:decay_steps=10"},
      {"step", "step:step_size=3"},
      {"swa", "swa:swa_lr=0.01"},
      {"warmup", "warmup:steps=3"},
  };
  for (const std::string& name : schedule_names()) {
    ASSERT_TRUE(minimal.count(name)) << name;
    auto o = two_group_optimizer("sgd");
    auto s = make_scheduler(minimal.at(name), *o);
    EXPECT_EQ(s->name(), name == "accuracy_plateau" ? "plateau" : name);  // plateau on dev accuracy
    if (s->needs_metric())
      s->step(1.0);
    else
      s->step();
    EXPECT_EQ(s->get_last_lr(), lrs_of(*o)) << name;
  }
}

TEST(AccuracyPlateau, DecaysAfterNEpochsWithoutImprovement) {
  auto o = two_group_optimizer("sgd");
  auto s = plateau_on_dev_accuracy(*o, {.epochs = 3, .factor = 0.5});
  for (double acc : {0.5, 0.6, 0.6, 0.59}) {
    s->step(acc);
    EXPECT_EQ(lrs_of(*o)[0], 0.1);
  }
  s->step(0.6);  // the third epoch without beating 0.6
  EXPECT_EQ(lrs_of(*o)[0], 0.05);
  s->step(0.61);
  s->step(0.61);
  s->step(0.61);
  EXPECT_EQ(lrs_of(*o)[0], 0.05);
  s->step(0.605);
  EXPECT_EQ(lrs_of(*o)[0], 0.025);
  EXPECT_THROW(s->step(), ValueError);  // a plateau schedule needs its metric
}

TEST(AccuracyPlateau, SpecMatchesTheHelper) {
  auto a = two_group_optimizer("sgd"), b = two_group_optimizer("sgd");
  auto from_spec = make_scheduler("accuracy_plateau:epochs=2,factor=0.3", *a);
  auto helper = plateau_on_dev_accuracy(*b, {.epochs = 2, .factor = 0.3});
  EXPECT_TRUE(from_spec->needs_metric());
  EXPECT_EQ(from_spec->metric_mode(), "max");  // feed it the dev accuracy
  for (int t = 0; t < 50; ++t) {
    double acc = 0.5 + 0.01 * ((t * 7) % 5);
    from_spec->step(acc);
    helper->step(acc);
    EXPECT_EQ(lrs_of(*a), lrs_of(*b));
  }
  EXPECT_LT(lrs_of(*a)[0], 0.1);
}

TEST(Sequential, WarmupThenPlateauTakesMetrics) {
  auto o = two_group_optimizer("sgd");
  auto s = make_scheduler("warmup:steps=2,start_factor=0.5+plateau:patience=0,factor=0.5", *o);
  EXPECT_TRUE(s->needs_metric());
  EXPECT_EQ(s->metric_mode(), "min");
  EXPECT_DOUBLE_EQ(lrs_of(*o)[0], 0.05);
  s->step(1.0);
  EXPECT_DOUBLE_EQ(lrs_of(*o)[0], 0.075);
  s->step(1.0);  // milestone: the plateau starts fresh at the base lr
  EXPECT_DOUBLE_EQ(lrs_of(*o)[0], 0.1);
  s->step(1.0);  // first metric: an improvement over +inf
  EXPECT_DOUBLE_EQ(lrs_of(*o)[0], 0.1);
  s->step(1.0);  // no improvement, patience 0
  EXPECT_DOUBLE_EQ(lrs_of(*o)[0], 0.05);
}

}  // namespace
