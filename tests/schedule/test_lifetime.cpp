// A scheduler cannot outlive the optimizer it drives: once the optimizer is gone, every use of
// the scheduler throws a ValueError that says so, instead of writing through a dangling pointer.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "descent/core/error.hpp"
#include "helpers.hpp"

using namespace descent;
using descent::testing::two_group_optimizer;

namespace {

void expect_destroyed_error(const std::function<void()>& use) {
  try {
    use();
    FAIL() << "expected a ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("the optimizer this scheduler drives was destroyed"), std::string::npos)
        << e.what();
  }
}

TEST(SchedulerLifetime, RefusesToDriveADestroyedOptimizer) {
  auto optimizer = two_group_optimizer("sgd");
  auto scheduler = optim::make_scheduler("cosine:T_max=10", *optimizer);
  scheduler->step();
  const int64_t epoch = scheduler->last_epoch();
  optimizer.reset();
  expect_destroyed_error([&] { scheduler->step(); });
  expect_destroyed_error([&] { scheduler->step(0.5); });
  expect_destroyed_error([&] { scheduler->step_to(4); });
  expect_destroyed_error([&] { scheduler->optimizer(); });
  EXPECT_EQ(scheduler->last_epoch(), epoch);  // a refused step moves no counter
}

// The temporary optimizer of make_scheduler(spec, *make_optimizer(...)) dies at the end of the
// statement: the first step is refused rather than a crash.
TEST(SchedulerLifetime, ASchedulerOnATemporaryOptimizerThrowsOnItsFirstStep) {
  auto scheduler = optim::make_scheduler("warmup:steps=3+cosine:T_max=10", *two_group_optimizer("adam"));
  expect_destroyed_error([&] { scheduler->step(); });
}

TEST(SchedulerLifetime, CompositeChildrenAreCheckedToo) {
  auto optimizer = two_group_optimizer("sgd");
  auto scheduler = optim::make_scheduler("onecycle:max_lr=1,total_steps=20", *optimizer);
  auto plateau = optim::make_scheduler("plateau", *optimizer);
  optimizer.reset();
  expect_destroyed_error([&] { scheduler->step(); });
  expect_destroyed_error([&] { plateau->step(1.0); });
}

}  // namespace
