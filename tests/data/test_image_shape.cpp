// An example's image shape survives every step between the loader and a conv model's input:
// the split, the scaling, a shuffle and a row range, as (C, H, W) or as an IDX image's (H, W).
#include <gtest/gtest.h>

#include "descent/data/dataset.hpp"

using namespace descent;

TEST(ImageShape, SplitsScalingAndShufflesKeepIt) {
  std::vector<float> pixels, labels;
  for (int i = 0; i < 10; ++i) {
    for (int k = 0; k < 12; ++k) pixels.push_back(static_cast<float>((i * 12 + k) % 7));
    labels.push_back(static_cast<float>(i % 2));
  }
  const Dataset images = make_dataset(pixels, labels, 12, 2, Shape{3, 2, 2});
  const TrainTest data{.train = images.rows(0, 8), .test = images.rows(8, 10)};
  const DataSplits splits = make_splits(data, 2, Scaling::standard);
  for (const Dataset* part : {&splits.train, &splits.dev, &splits.test}) EXPECT_EQ(part->item_shape, Shape({3, 2, 2}));
  Generator gen(1);
  EXPECT_EQ(shuffled(splits.train, gen).item_shape, Shape({3, 2, 2}));
  EXPECT_THROW(make_dataset(pixels, labels, 12, 2, Shape{3, 2, 3}), ShapeError);
}
