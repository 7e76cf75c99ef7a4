// 8-bit images keep their bytes beside x (BytePixels), and a shuffling DataLoader gathers from
// them: its batches must be the very bits it would copy from x, for the loaded images, row
// views of them, and images scaled by a Scaler; and bytes that no longer describe x (x copied
// or replaced) must go unused.
#include <gtest/gtest.h>

#include <bit>
#include <filesystem>
#include <string>
#include <vector>

#include "common/scratch.hpp"
#include "descent/core/rng.hpp"
#include "descent/data/dataset.hpp"
#include "descent/data/idx.hpp"
#include "descent/data/loader.hpp"

using namespace descent;
namespace fs = std::filesystem;

namespace {

// 300 training and 40 test images of 7x5 random bytes (every value 0..255 appears), labels i % 4.
TrainTest random_images() {
  const fs::path dir = descent::testing::fresh_dir("byte_pixels", "idx");
  Generator gen(5);
  auto write = [&](const std::string& prefix, int64_t n) {
    std::vector<uint8_t> pixels, labels;
    for (int64_t i = 0; i < n * 35; ++i) pixels.push_back(static_cast<uint8_t>(i < 256 ? i : gen.randint(256)));
    for (int64_t i = 0; i < n; ++i) labels.push_back(static_cast<uint8_t>(i % 4));
    write_idx(dir / (prefix + "-images-idx3-ubyte"), std::vector<int64_t>{n, 7, 5}, pixels);
    write_idx(dir / (prefix + "-labels-idx1-ubyte"), std::vector<int64_t>{n}, labels);
  };
  write("train", 300);
  write("t10k", 40);
  TrainTest data = load_idx_folder(dir);
  fs::remove_all(dir);
  return data;
}

// Every batch of two epochs from a shuffling loader over `data`, against a loader with the same
// seed over the same data without its bytes (which copies rows of x): equal bit for bit.
void expect_same_batches(const Dataset& data, const char* what) {
  Dataset floats = data;
  floats.pixels = {};
  DataLoader with_bytes(data, {.batch_size = 32, .shuffle = true, .seed = 9});
  DataLoader from_floats(floats, {.batch_size = 32, .shuffle = true, .seed = 9});
  for (int epoch = 0; epoch < 2; ++epoch) {
    Batch a, b;
    int64_t batches = 0;
    while (with_bytes.next(a)) {
      ASSERT_TRUE(from_floats.next(b)) << what;
      ASSERT_EQ(a.x.shape(), b.x.shape()) << what;
      const std::vector<float> xa = a.x.values<float>(), xb = b.x.values<float>();
      for (std::size_t k = 0; k < xa.size(); ++k)
        ASSERT_EQ(std::bit_cast<uint32_t>(xa[k]), std::bit_cast<uint32_t>(xb[k]))
            << what << ": epoch " << epoch << ", batch " << batches << ", value " << k;
      ASSERT_EQ(a.y.values<float>(), b.y.values<float>()) << what;
      ++batches;
    }
    EXPECT_FALSE(from_floats.next(b)) << what;
    EXPECT_EQ(batches, (data.size() + 31) / 32) << what;
  }
}

TEST(BytePixels, TheIdxLoaderKeepsTheBytesOfItsImages) {
  const TrainTest data = random_images();
  EXPECT_TRUE(data.train.pixels.describes(data.train.x));
  EXPECT_TRUE(data.test.pixels.describes(data.test.x));
  EXPECT_FALSE(data.train.pixels.describes(data.test.x));  // another storage
  const auto [train, dev] = split_last(data.train, 50);
  EXPECT_TRUE(train.pixels.describes(train.x));  // row views of the same storage
  EXPECT_TRUE(dev.pixels.describes(dev.x));
  Dataset copied = data.train;
  copied.x = data.train.x.clone();  // x replaced: the bytes describe nothing it holds
  EXPECT_FALSE(copied.pixels.describes(copied.x));
  EXPECT_FALSE(BytePixels{}.describes(data.train.x));
}

TEST(BytePixels, BatchesFromBytesAreTheBatchesOfX) {
  const TrainTest data = random_images();
  const auto [train, dev] = split_last(data.train, 50);
  expect_same_batches(data.train, "loaded images");
  expect_same_batches(train, "the training part (a view from row 0)");
  expect_same_batches(dev, "the dev part (a view from row 250)");
  for (Scaling kind : {Scaling::standard, Scaling::unit}) {
    const Scaler scaler = Scaler::fit(train, kind);
    const Dataset scaled = scaler.transform(dev);
    EXPECT_TRUE(scaled.pixels.describes(scaled.x)) << scaling_name(kind);
    expect_same_batches(scaled, kind == Scaling::standard ? "standardized dev part" : "unit-scaled dev part");
    // Scaled twice: the bytes describe it only when the first scaling changed nothing
    // (unit scaling of [0, 1] pixels); either way the batches are those of x.
    expect_same_batches(scaler.transform(scaled), "scaled twice");
  }
}

}  // namespace
