// Resuming: a run stopped at step k, its optimizer and scheduler state saved (through JSON text,
// as a checkpoint writer would) and loaded into fresh objects built from the same spec,
// continues on exactly the same curve as a run never stopped.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "helpers.hpp"

using namespace descent;
using namespace descent::optim;
using descent::testing::lrs_of;
using descent::testing::two_group_optimizer;

namespace {

struct Row {
  std::vector<double> lrs;
  double momentum;
};

double metric_at(int t) { return 1.0 / (1.0 + 0.01 * (t % 97)); }

void advance(LRScheduler& s, int t) {
  if (s.needs_metric())
    s.step(metric_at(t));
  else
    s.step();
}

Row row_of(const Optimizer& o) {
  return {lrs_of(o), o.param_groups()[0].get(o.name() == "sgd" ? "momentum" : "beta1")};
}

class Resume : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(Resume, ContinuesOnTheSameCurve) {
  const auto& [spec, kind] = GetParam();
  constexpr int kTotal = 600, kStop = 237;
  auto full_opt = two_group_optimizer(kind);
  auto full = make_scheduler(spec, *full_opt);
  std::vector<Row> want;
  for (int t = 0; t < kTotal; ++t) {
    advance(*full, t);
    want.push_back(row_of(*full_opt));
  }

  auto first_opt = two_group_optimizer(kind);
  auto first = make_scheduler(spec, *first_opt);
  for (int t = 0; t < kStop; ++t) advance(*first, t);
  OptimizerState opt_state = first_opt->state_dict();
  std::string saved = first->state_dict().dump();

  auto opt = two_group_optimizer(kind);
  auto resumed = make_scheduler(spec, *opt);
  opt->load_state_dict(opt_state);
  resumed->load_state_dict(nlohmann::json::parse(saved));
  EXPECT_EQ(resumed->last_epoch(), first->last_epoch());
  for (int t = kStop; t < kTotal; ++t) {
    advance(*resumed, t);
    Row got = row_of(*opt);
    ASSERT_EQ(got.lrs, want[t].lrs) << spec << " at step " << t + 1;
    ASSERT_EQ(got.momentum, want[t].momentum) << spec << " at step " << t + 1;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Schedules, Resume,
    ::testing::Values(
        std::pair{"cosine:T_max=100,eta_min=1e-4", "sgd"}, std::pair{"cosine_restarts:T_0=20,T_mult=2", "sgd"},
        std::pair{"cyclic:base_lr=0.01,max_lr=0.1,step_size_up=50,mode=triangular2", "sgd"},
        std::pair{"onecycle:max_lr=0.1,total_steps=600", "adam"},
        std::pair{"plateau:patience=3,factor=0.5,cooldown=2", "sgd"},
        std::pair{"swa:swa_lr=0.01,anneal_epochs=300", "sgd"},
        std::pair{"warmup:steps=100+cosine:T_max=200+exponential:gamma=0.99,steps=50+plateau:patience=2", "sgd"},
        std::pair{"constant:factor=0.5,total_iters=300*exponential:gamma=0.999*step:step_size=100", "sgd"},
        std::pair{"multistep:milestones=100;200;300", "sgd"},
        std::pair{"polynomial_decay:decay_steps=250,cycle=1", "sgd"}));

TEST(SchedulerState, RefusesAnotherSchedulesState) {
  auto o = two_group_optimizer("sgd");
  auto cosine = make_scheduler("cosine:T_max=10", *o);
  auto step = make_scheduler("step:step_size=10", *o);
  try {
    cosine->load_state_dict(step->state_dict());
    ADD_FAILURE() << "loaded a step state into cosine";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("step"), std::string::npos) << e.what();
  }
  EXPECT_EQ(cosine->last_epoch(), 0);
}

TEST(SchedulerState, RefusesAnotherGroupCount) {
  auto o = two_group_optimizer("sgd");
  auto s = make_scheduler("cosine:T_max=10", *o);
  nlohmann::json state = s->state_dict();
  state["base_lrs"] = {0.1};
  EXPECT_THROW(s->load_state_dict(state), ValueError);
}

TEST(SchedulerState, IsPlainJson) {
  auto o = two_group_optimizer("sgd");
  auto s = make_scheduler("plateau", *o);
  nlohmann::json state = s->state_dict();
  EXPECT_TRUE(state["best"].is_null());  // +inf has no JSON form
  s->step(0.5);
  EXPECT_EQ(s->state_dict()["best"], 0.5);
  EXPECT_EQ(state["name"], "plateau");
}

}  // namespace
