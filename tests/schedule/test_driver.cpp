// ScheduleDriver: steps at batches or epochs as chosen, and feeds plateau schedules the dev
// metric their mode asks for.
#include <gtest/gtest.h>

#include "helpers.hpp"

using namespace descent;
using namespace descent::optim;
using descent::testing::lrs_of;
using descent::testing::two_group_optimizer;

namespace {

TEST(ScheduleDriver, PerBatchStepsOnlyAfterBatches) {
  auto o = two_group_optimizer("sgd");
  ScheduleDriver d("step:step_size=2,gamma=0.5", *o, parse_step_every("batch"));
  for (int b = 0; b < 4; ++b) d.after_batch();
  d.after_epoch(1.0, 0.5);
  EXPECT_EQ(d.scheduler().last_epoch(), 4);
  EXPECT_DOUBLE_EQ(lrs_of(*o)[0], 0.025);
}

TEST(ScheduleDriver, PerEpochStepsOnlyAfterEpochs) {
  auto o = two_group_optimizer("sgd");
  ScheduleDriver d("step:step_size=2,gamma=0.5", *o, StepEvery::epoch);
  for (int b = 0; b < 10; ++b) d.after_batch();
  d.after_epoch(1.0, 0.5);
  d.after_epoch(1.0, 0.5);
  EXPECT_EQ(d.scheduler().last_epoch(), 2);
  EXPECT_DOUBLE_EQ(lrs_of(*o)[0], 0.05);
}

TEST(ScheduleDriver, PlateauGetsTheMetricItsModeAsksFor) {
  // Loss improves every epoch while accuracy stalls: mode=max (accuracy) must decay, mode=min not.
  auto a = two_group_optimizer("sgd"), b = two_group_optimizer("sgd");
  ScheduleDriver on_accuracy("accuracy_plateau:epochs=2,factor=0.5", *a, StepEvery::epoch);
  ScheduleDriver on_loss("plateau:patience=1,factor=0.5", *b, StepEvery::epoch);
  for (int e = 0; e < 4; ++e) {
    on_accuracy.after_epoch(1.0 / (e + 1), 0.9);
    on_loss.after_epoch(1.0 / (e + 1), 0.9);
  }
  EXPECT_DOUBLE_EQ(lrs_of(*a)[0], 0.05);
  EXPECT_DOUBLE_EQ(lrs_of(*b)[0], 0.1);
}

TEST(ScheduleDriver, RefusesPlateauPerBatchAndUnknownUnits) {
  auto o = two_group_optimizer("sgd");
  EXPECT_THROW(ScheduleDriver("plateau", *o, StepEvery::batch), ValueError);
  try {
    parse_step_every("iteration");
    ADD_FAILURE() << "accepted 'iteration'";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("'iteration'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("batch, epoch"), std::string::npos) << e.what();
  }
}

}  // namespace
