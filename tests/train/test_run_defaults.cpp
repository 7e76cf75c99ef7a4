// The defaults of a TrainConfig that depend on the data: the dev set's size (MNIST's 5,000, or a
// tenth of a smaller set) and the loss (the task's), resolved once the data are loaded.
#include <gtest/gtest.h>

#include "common/throws.hpp"
#include "descent/descent.hpp"
#include "descent/train/run.hpp"

using namespace descent;

namespace {

// One data set as the train, dev and test parts alike.
DataSplits splits_of(const Dataset& data) { return {.train = data, .dev = data, .test = data, .scaler = {}}; }

}  // namespace

TEST(RunDefaults, DevSizeIsMnistsForLargeSetsAndATenthOtherwise) {
  EXPECT_EQ(default_dev_size(60000), 5000);  // MNIST and Fashion-MNIST, as before
  EXPECT_EQ(default_dev_size(50000), 5000);  // CIFAR-10
  EXPECT_EQ(default_dev_size(49990), 4999);
  EXPECT_EQ(default_dev_size(1600), 160);  // a synthetic set's training part
  TrainConfig config;
  config.data = "blobs";
  const DataSplits splits = load_splits(config);
  EXPECT_EQ(splits.train.size(), 1440);
  EXPECT_EQ(splits.dev.size(), 160);
  config.dev_size = 100;
  EXPECT_EQ(load_splits(config).dev.size(), 100);
}

TEST(RunDefaults, TheLossFollowsTheTaskUnlessGiven) {
  const Dataset classes = make_dataset({1, 2, 3, 4}, {0, 1, 2, 0}, 1, 3);
  const Dataset targets = make_dataset({1, 2, 3, 4}, {0.5, 1.5, 2, 7}, 1, 0);
  const Dataset labels = make_multilabel_dataset({1, 2, 3, 4}, {0, 1, 1, 1, 0, 0, 1, 0}, 1, 2);
  TrainConfig defaults;
  EXPECT_EQ(defaults.loss, "cross_entropy");  // a library config's, as FitOptions'
  defaults.loss = "";                         // the command's when --loss is not given
  EXPECT_EQ(resolve_task_defaults(defaults, splits_of(classes)).loss, "cross_entropy");
  EXPECT_EQ(resolve_task_defaults(defaults, splits_of(targets)).loss, "mse");
  EXPECT_EQ(resolve_task_defaults(defaults, splits_of(labels)).loss, "bce");
  EXPECT_EQ(resolve_task_defaults(defaults, splits_of(targets)).dev_size, 4);  // the dev set it was given
  TrainConfig given;
  given.loss = "huber";
  given.dev_size = 7;
  EXPECT_EQ(resolve_task_defaults(given, splits_of(targets)).loss, "huber");
  EXPECT_EQ(resolve_task_defaults(given, splits_of(targets)).dev_size, 7);
  TrainConfig classes_loss;
  classes_loss.loss = "cross_entropy";
  EXPECT_TRUE(descent::testing::throws<ValueError>([&] { resolve_task_defaults(classes_loss, splits_of(targets)); },
                                                   "--loss cross_entropy needs class indices as labels, and these are "
                                                   "regression targets; use --loss mse "
                                                   "(regression's default), l1 or huber"));
  TrainConfig smoothed = defaults;
  smoothed.label_smoothing = 0.1;
  EXPECT_EQ(resolve_task_defaults(smoothed, splits_of(classes)).loss, "cross_entropy");
  EXPECT_TRUE(descent::testing::throws<ValueError>([&] { resolve_task_defaults(smoothed, splits_of(targets)); },
                                                   "--label-smoothing applies to --loss cross_entropy, not mse"));
}
