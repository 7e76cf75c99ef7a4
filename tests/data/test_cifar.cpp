// CIFAR-10 binary reader on small files written in its format: records to pixels and labels,
// the archive's folder, truncated files, bad labels, the message for a missing set, the data set
// by name, and per-channel normalization statistics.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "common/environment.hpp"
#include "common/scratch.hpp"
#include "descent/core/error.hpp"
#include "descent/data/cifar.hpp"
#include "descent/data/loader.hpp"

using namespace descent;
using descent::testing::error_of;
using descent::testing::fresh_dir;
namespace fs = std::filesystem;

namespace {

// Pixel p (0..3071) of record r in a file seeded `file`: a byte that depends on all three.
uint8_t pixel(int file, int64_t record, int64_t p) { return static_cast<uint8_t>((file * 31 + record * 7 + p) % 256); }

// `records` records; record r has label (file + r) % 10.
void write_batch(const fs::path& path, int file, int64_t records) {
  std::ofstream out(path, std::ios::binary);
  for (int64_t r = 0; r < records; ++r) {
    out.put(static_cast<char>((file + r) % kCifarClasses));
    for (int64_t p = 0; p < kCifarImageBytes; ++p) out.put(static_cast<char>(pixel(file, r, p)));
  }
}

// The six files of a set in `dir`: 3 records per training file, 2 in the test file.
void write_set(const fs::path& dir) {
  fs::create_directories(dir);
  for (int f = 1; f <= 5; ++f) write_batch(dir / ("data_batch_" + std::to_string(f) + ".bin"), f, 3);
  write_batch(dir / "test_batch.bin", 6, 2);
}

}  // namespace

TEST(Cifar10, ReadsRecordsAsChannelMajorPixelsAndLabels) {
  const fs::path dir = fresh_dir("cifar", "good");
  write_set(dir);
  const TrainTest set = load_cifar10(dir);
  ASSERT_EQ(set.train.size(), 15);
  ASSERT_EQ(set.test.size(), 2);
  EXPECT_EQ(set.train.num_features(), 3072);
  EXPECT_EQ(set.train.num_classes, 10);
  EXPECT_EQ(set.train.item_shape, (Shape{3, 32, 32}));
  EXPECT_EQ(set.train.item_shape, Shape({3, 32, 32}));
  // Example 4 is record 1 of data_batch_2.bin; pixel (c=1, y=2, x=3) is byte 1024 + 64 + 3.
  EXPECT_EQ(set.train.y.at({4}), (2 + 1) % 10);
  EXPECT_EQ(set.train.x.at({4, 1024 + 64 + 3}), static_cast<float>(pixel(2, 1, 1024 + 64 + 3)) / 255.0f);
  EXPECT_EQ(set.test.y.at({1}), 7);
  EXPECT_EQ(set.test.x.at({1, 3071}), static_cast<float>(pixel(6, 1, 3071)) / 255.0f);
  EXPECT_TRUE(set.train.pixels.describes(set.train.x));
  set.train.validate("cifar10");
}

TEST(Cifar10, FindsTheArchiveFolderAndLoadsByNameFromTheEnvironment) {
  const fs::path root = fresh_dir("cifar", "search");
  const descent::testing::ScopedCurrentPath in_root(root);  // no data/cifar10 in this folder or its parents
  const descent::testing::ScopedEnv data_dir("DESCENT_DATA_DIR", (root / "elsewhere").string());
  const std::string msg = error_of<IOError>([] { load_dataset("cifar10"); });
  EXPECT_NE(msg.find("CIFAR-10 is not installed (looked in " + (root / "elsewhere" / "cifar10").string() + ", " +
                     (root / "data" / "cifar10").string()),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unpack it into '" + (root / "elsewhere" / "cifar10").string() + "'"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  write_set(root / "elsewhere" / "cifar10" / "cifar-10-batches-bin");
  EXPECT_EQ(load_dataset("cifar10").train.size(), 15);
}

TEST(Cifar10, MissingFilesAreNamed) {
  const fs::path dir = fresh_dir("cifar", "partial");
  write_set(dir);
  fs::remove(dir / "data_batch_3.bin");
  const std::string msg = error_of<IOError>([&] { load_cifar10(dir); });
  EXPECT_NE(msg.find("CIFAR-10 is not in '" + dir.string() + "': missing data_batch_3.bin;"), std::string::npos) << msg;
  EXPECT_NE(msg.find(kCifar10Url), std::string::npos) << msg;
}

TEST(Cifar10, TruncatedFileNamesTheRecordAndOffset) {
  const fs::path dir = fresh_dir("cifar", "truncated");
  write_set(dir);
  fs::resize_file(dir / "data_batch_2.bin", 2 * 3073 + 100);
  const std::string msg = error_of<IOError>([&] { load_cifar10(dir); });
  EXPECT_NE(msg.find("'" + (dir / "data_batch_2.bin").string() +
                     "' is 6246 bytes: record 2 (byte offset 6146) ends "
                     "after 100 of its 3073 bytes; expected whole records"),
            std::string::npos)
      << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
}

TEST(Cifar10, LabelOfTenOrMoreNamesTheRecordAndOffset) {
  const fs::path dir = fresh_dir("cifar", "label");
  write_set(dir);
  {
    std::fstream f(dir / "test_batch.bin", std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(3073);
    f.put(static_cast<char>(10));
  }
  const std::string msg = error_of<IOError>([&] { load_cifar10(dir); });
  EXPECT_NE(msg.find("'" + (dir / "test_batch.bin").string() +
                     "': record 1 (byte offset 3073) has label 10, expected a class index 0-9"),
            std::string::npos)
      << msg;
}

TEST(Cifar10, StandardScalingIsPerChannelOnTheTrainingPart) {
  const fs::path dir = fresh_dir("cifar", "normalize");
  write_set(dir);
  const DataSplits splits = make_splits(load_cifar10(dir), 3, Scaling::standard);
  ASSERT_EQ(splits.scaler.shift.size(), 3u);
  ASSERT_EQ(splits.scaler.scale.size(), 3u);
  // The statistics of each channel's 12 x 1024 training values, as torchvision's Normalize
  // takes them (mean and population std per channel).
  const Dataset raw = load_cifar10(dir).train.rows(0, 12);
  const std::vector<double> x = raw.x.to_vector();
  for (int64_t c = 0; c < 3; ++c) {
    double sum = 0, sumsq = 0;
    for (int64_t i = 0; i < 12; ++i)
      for (int64_t p = 0; p < 1024; ++p) sum += x[static_cast<std::size_t>(i * 3072 + c * 1024 + p)];
    const double mean = sum / (12 * 1024);
    for (int64_t i = 0; i < 12; ++i)
      for (int64_t p = 0; p < 1024; ++p)
        sumsq += std::pow(x[static_cast<std::size_t>(i * 3072 + c * 1024 + p)] - mean, 2);
    EXPECT_NEAR(splits.scaler.shift[static_cast<std::size_t>(c)], mean, 1e-12) << "channel " << c;
    EXPECT_NEAR(splits.scaler.scale[static_cast<std::size_t>(c)], std::sqrt(sumsq / (12 * 1024)), 1e-12)
        << "channel " << c;
  }
  // Each channel of the scaled training part has mean 0 and std 1; the dev part is scaled
  // with the training part's statistics.
  const std::vector<double> scaled = splits.train.x.to_vector();
  for (int64_t c = 0; c < 3; ++c) {
    double sum = 0, sumsq = 0;
    for (int64_t i = 0; i < 12; ++i)
      for (int64_t p = 0; p < 1024; ++p) {
        const double v = scaled[static_cast<std::size_t>(i * 3072 + c * 1024 + p)];
        sum += v;
        sumsq += v * v;
      }
    EXPECT_NEAR(sum / (12 * 1024), 0.0, 1e-5);
    EXPECT_NEAR(sumsq / (12 * 1024), 1.0, 1e-4);
  }
  const float dev_value = static_cast<float>(pixel(5, 0, 2048)) / 255.0f;  // dev example 0 is record 0 of batch 5
  EXPECT_EQ(splits.dev.x.at({0, 2048}),
            (dev_value - static_cast<float>(splits.scaler.shift[2])) / static_cast<float>(splits.scaler.scale[2]));
  EXPECT_EQ(splits.dev.item_shape, (Shape{3, 32, 32}));
}

TEST(Cifar10, PerChannelScaledImagesKeepTheirBytesAndGatherTheSameValues) {
  const fs::path dir = fresh_dir("cifar", "gather");
  write_set(dir);
  const DataSplits splits = make_splits(load_cifar10(dir), 3, Scaling::standard);
  ASSERT_TRUE(splits.train.pixels.describes(splits.train.x));
  EXPECT_EQ(splits.train.pixels.channel_shift.size(), 3u);
  Dataset floats_only = splits.train;
  floats_only.pixels = {};
  DataLoader from_bytes(splits.train, {.batch_size = 5, .seed = 2}),
      from_floats(floats_only, {.batch_size = 5, .seed = 2});
  Batch a, b;
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(from_bytes.next(a), from_floats.next(b));
    if (!a.x.defined()) continue;
    EXPECT_EQ(a.x.to_vector(), b.x.to_vector()) << "batch " << i;  // the same bits
    EXPECT_EQ(a.y.to_vector(), b.y.to_vector());
  }
}
