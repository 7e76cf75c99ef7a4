// Augmentation: specs and their one-line errors, a flip is a flip, a crop shifts with zero
// padding, the loader augments the same way for the same seed, and a resumed loader continues
// the same augmentation stream (through a checkpoint's JSON, and from a state saved before
// augmentation existed).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "common/scratch.hpp"
#include "descent/core/error.hpp"
#include "descent/data/augment.hpp"
#include "descent/data/loader.hpp"

using namespace descent;
using descent::testing::error_of;

namespace {

// Value of pixel (c, y, x) in the test images: distinct and non-zero.
float value(int64_t example, int64_t c, int64_t y, int64_t x) {
  return static_cast<float>(1 + example * 1000 + c * 100 + y * 10 + x);
}

// Example i of images(), as one (2, 3, 4) image.
std::vector<float> example(int64_t i) {
  std::vector<float> out;
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t row = 0; row < 3; ++row)
      for (int64_t col = 0; col < 4; ++col) out.push_back(value(i, c, row, col));
  return out;
}

// `n` examples of (2, 3, 4) images, label = index.
Dataset images(int64_t n) {
  std::vector<float> x, y;
  for (int64_t i = 0; i < n; ++i) {
    const std::vector<float> image = example(i);
    x.insert(x.end(), image.begin(), image.end());
    y.push_back(static_cast<float>(i));
  }
  Dataset data = make_dataset(std::move(x), std::move(y), 24, 0, Shape{2, 3, 4});
  return data;
}

// The next `count` batches' features and labels, flattened.
std::vector<double> take(DataLoader& loader, int count) {
  std::vector<double> out;
  Batch b;
  for (int i = 0; i < count; ++i) {
    if (!loader.next(b)) {
      EXPECT_TRUE(loader.next(b));
    }
    for (double v : b.x.to_vector()) out.push_back(v);
    for (double v : b.y.to_vector()) out.push_back(v);
  }
  return out;
}

// The labels of the next `count` batches.
std::vector<double> labels(DataLoader& loader, int count) {
  std::vector<double> out;
  Batch b;
  for (int i = 0; i < count; ++i) {
    if (!loader.next(b)) {
      EXPECT_TRUE(loader.next(b));
    }
    for (double v : b.y.to_vector()) out.push_back(v);
  }
  return out;
}

}  // namespace

TEST(Augment, ParsesSpecsAndRefusesBadOnesInOneLine) {
  const std::vector<Augmentation> parsed = parse_augmentations({"crop:4", "flip", "crop:padding=2", "flip:p=0.25"});
  ASSERT_EQ(parsed.size(), 4u);
  EXPECT_EQ(parsed[0].kind, Augmentation::Kind::crop);
  EXPECT_EQ(parsed[0].padding, 4);
  EXPECT_EQ(parsed[1].kind, Augmentation::Kind::flip);
  EXPECT_EQ(parsed[1].p, 0.5);
  EXPECT_EQ(parsed[2].padding, 2);
  EXPECT_EQ(parsed[3].p, 0.25);
  for (const char* bad : {"rotate:10", "crop", "crop:-1", "crop:2.5", "flip:p=2", "flip:q=0.5", "crop:4,5", "crop:("}) {
    const std::string msg = error_of<ValueError>([&] { parse_augmentation(bad); });
    EXPECT_NE(msg.find("augmentation spec"), std::string::npos) << bad << ": " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
  EXPECT_NE(error_of<ValueError>([] { parse_augmentation("rotate:10"); }).find("expected crop:PADDING or flip"),
            std::string::npos);
}

TEST(Augment, FlipReversesEachRow) {
  std::vector<float> img = example(0);
  horizontal_flip(img.data(), {2, 3, 4});
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t y = 0; y < 3; ++y)
      for (int64_t x = 0; x < 4; ++x)
        EXPECT_EQ(img[static_cast<std::size_t>((c * 3 + y) * 4 + x)], value(0, c, y, 3 - x));
}

TEST(Augment, CropShiftsWithZeroPadding) {
  std::vector<float> scratch;
  for (int64_t top = 0; top <= 4; ++top)
    for (int64_t left = 0; left <= 4; ++left) {
      std::vector<float> img = example(0);
      shifted_crop(img.data(), {2, 3, 4}, 2, top, left, scratch);
      for (int64_t c = 0; c < 2; ++c)
        for (int64_t y = 0; y < 3; ++y)
          for (int64_t x = 0; x < 4; ++x) {
            const int64_t sy = y + top - 2, sx = x + left - 2;  // in the unpadded image
            const bool inside = sy >= 0 && sy < 3 && sx >= 0 && sx < 4;
            EXPECT_EQ(img[static_cast<std::size_t>((c * 3 + y) * 4 + x)], inside ? value(0, c, sy, sx) : 0.0f)
                << "top " << top << " left " << left << " at " << c << "," << y << "," << x;
          }
    }
  std::vector<float> img = example(0);
  shifted_crop(img.data(), {2, 3, 4}, 2, 2, 2, scratch);  // the centre: unchanged
  EXPECT_EQ(img, example(0));
}

TEST(Augment, LoaderAugmentsEachExampleWithTheSameSeedTheSameWay) {
  const Dataset data = images(10);
  const DataLoaderOptions options{.batch_size = 4, .seed = 3, .augment = parse_augmentations({"crop:1", "flip"})};
  DataLoader first(data, options), second(data, options);
  const std::vector<double> batches = take(first, 9);
  EXPECT_EQ(take(second, 9), batches);
  // The examples come in the unaugmented loader's order (augmentation has its own generator);
  // their values differ.
  DataLoader plain(data, {.batch_size = 4, .seed = 3}), again(data, options);
  EXPECT_EQ(labels(plain, 9), labels(again, 9));
  DataLoader plain_again(data, {.batch_size = 4, .seed = 3});
  EXPECT_NE(take(plain_again, 9), batches);
  DataLoader other_seed(data, {.batch_size = 4, .seed = 4, .augment = options.augment});
  EXPECT_NE(take(other_seed, 9), batches);
  // Without shuffling, augmented batches are copies: the data set is left as it was.
  const std::vector<double> before = data.x.to_vector();
  DataLoader unshuffled(data, {.batch_size = 4, .shuffle = false, .augment = options.augment});
  take(unshuffled, 6);
  EXPECT_EQ(data.x.to_vector(), before);
}

TEST(Augment, ResumeContinuesTheSameAugmentationStream) {
  const Dataset data = images(10);
  const DataLoaderOptions options{.batch_size = 4, .seed = 5, .augment = parse_augmentations({"crop:2", "flip"})};
  for (int stop : {0, 2, 3, 7}) {  // batches taken before saving: start, mid-epoch, epoch end, later
    DataLoader original(data, options);
    take(original, stop);
    const nlohmann::json saved = original.state();  // as a checkpoint stores it
    ASSERT_TRUE(saved.contains("augment_generator"));
    const std::vector<double> expected = take(original, 8);
    DataLoader resumed(data, options);
    resumed.load_state(saved.get<DataLoader::State>());
    EXPECT_EQ(take(resumed, 8), expected) << "after " << stop << " batches";
    EXPECT_EQ(resumed.state(), original.state());
  }
}

TEST(Augment, StatesSavedBeforeAugmentationStillLoad) {
  const Dataset data = images(10);
  DataLoader original(data, {.batch_size = 4, .seed = 5});
  take(original, 2);
  nlohmann::json saved = original.state();
  saved.erase("augment_generator");
  const DataLoader::State old_state = saved.get<DataLoader::State>();
  EXPECT_FALSE(old_state.augment_generator.has_value());
  const std::vector<double> expected = take(original, 5);
  DataLoader resumed(data, {.batch_size = 4, .seed = 5});
  resumed.load_state(old_state);
  EXPECT_EQ(take(resumed, 5), expected);
}

TEST(Augment, LoaderRefusesDataThatAreNotImages) {
  const Dataset table = make_dataset({1, 2, 3, 4}, {0, 1}, 2, 2);
  const std::string msg = error_of<ValueError>(
      [&] { DataLoader loader(table, {.batch_size = 1, .augment = parse_augmentations({"flip"})}); });
  EXPECT_NE(msg.find("augmentation needs image examples (C, H, W) or (H, W)"), std::string::npos) << msg;
  // (H, W) images are one channel.
  const Dataset gray = make_dataset(std::vector<float>(12, 1.0f), {0, 1}, 6, 2, Shape{2, 3});
  DataLoader loader(gray, {.batch_size = 2, .augment = parse_augmentations({"crop:1"})});
  Batch b;
  EXPECT_TRUE(loader.next(b));
}
