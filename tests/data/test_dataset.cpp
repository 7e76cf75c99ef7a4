// Dataset: splits, scaling fitted on the training part, IDX folders, MNIST and Fashion-MNIST.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include "common/environment.hpp"
#include "common/scratch.hpp"
#include "common/skip.hpp"
#include "common/throws.hpp"
#include "descent/core/error.hpp"
#include "descent/data/dataset.hpp"
#include "descent/data/idx.hpp"

using namespace descent;
using descent::testing::error_of;
using descent::testing::fresh_dir;
using descent::testing::throws;
namespace fs = std::filesystem;

namespace {

// A small IDX data set: n_train and n_test 2x3 images whose pixels are i*10 + j, labels i % 3.
void write_idx_set(const fs::path& dir, int64_t n_train, int64_t n_test, bool gzip_train) {
  auto images = [](int64_t n) {
    std::vector<uint8_t> v;
    for (int64_t i = 0; i < n; ++i)
      for (int j = 0; j < 6; ++j) v.push_back(static_cast<uint8_t>(i * 10 + j));
    return v;
  };
  auto labels = [](int64_t n) {
    std::vector<uint8_t> v;
    for (int64_t i = 0; i < n; ++i) v.push_back(static_cast<uint8_t>(i % 3));
    return v;
  };
  const std::string gz = gzip_train ? ".gz" : "";
  write_idx(dir / ("train-images-idx3-ubyte" + gz), std::vector<int64_t>{n_train, 2, 3}, images(n_train), gzip_train);
  write_idx(dir / ("train-labels-idx1-ubyte" + gz), std::vector<int64_t>{n_train}, labels(n_train), gzip_train);
  write_idx(dir / "t10k-images-idx3-ubyte", std::vector<int64_t>{n_test, 2, 3}, images(n_test));
  write_idx(dir / "t10k-labels-idx1-ubyte", std::vector<int64_t>{n_test}, labels(n_test));
}

Dataset table(std::vector<float> x, int64_t d) {
  std::vector<float> y(x.size() / static_cast<std::size_t>(d), 0.0f);
  return make_dataset(std::move(x), std::move(y), d, 1);
}

}  // namespace

TEST(Dataset, SplitLastGivesViewsOfTheLastK) {
  const Dataset d = table({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 2);
  auto [train, dev] = split_last(d, 2);
  EXPECT_EQ(train.size(), 3);
  EXPECT_EQ(dev.size(), 2);
  EXPECT_EQ(dev.x.to_vector(), (std::vector<double>{6, 7, 8, 9}));
  EXPECT_TRUE(dev.x.shares_storage(d.x));
  EXPECT_EQ(split_last(d, 0).second.size(), 0);
  EXPECT_NE(error_of<ValueError>([&] { split_last(d, 5); }).find("cannot split off the last 5 of 5 examples"),
            std::string::npos);
}

TEST(Dataset, ValidateRefusesLabelsOutOfRange) {
  EXPECT_NE(error_of<ValueError>([] {
              make_dataset({1, 2}, {0, 3}, 1, 3);
            }).find("label 3 of example 1 is not a class index in [0, 3)"),
            std::string::npos);
  EXPECT_THROW(make_dataset({1, 2, 3}, {0, 1}, 2, 2), ShapeError);
}

TEST(Dataset, RowsOutsideTheSetAreRefused) {
  const Dataset d = table({0, 1, 2, 3, 4, 5}, 2);
  EXPECT_TRUE(throws<ValueError>([&] { d.rows(2, 4); }, "Dataset::rows: range [2, 4) is out of range for 3 examples"));
  EXPECT_TRUE(throws<ValueError>([&] { d.rows(2, 1); }, "Dataset::rows: range [2, 1) is out of range for 3 examples"));
  EXPECT_EQ(d.rows(1, 3).size(), 2);
}

TEST(Dataset, ValidateNamesTheShapesDTypesAndLabelsItExpects) {
  const Dataset short_labels{.x = Tensor::zeros(Shape{3, 2}), .y = Tensor::zeros(Shape{2})};
  EXPECT_TRUE(throws<ShapeError>([&] { short_labels.validate("mine"); },
                                 "mine: a data set needs features (N, D) and labels (N), got [3, 2] and [2]"));
  const Dataset transposed{.x = Tensor::zeros(Shape{2, 3}).t(), .y = Tensor::zeros(Shape{3})};
  EXPECT_TRUE(throws<ShapeError>([&] { transposed.validate("mine"); }, "mine: features and labels must be contiguous"));
  const Dataset mixed{.x = Tensor::zeros(Shape{3, 2}), .y = Tensor::zeros(Shape{3}, DType::f64)};
  EXPECT_TRUE(throws<ShapeError>([&] { mixed.validate("mine"); },
                                 "mine: targets must have the features' dtype float32, got float64"));
  const Dataset float_classes{.x = Tensor::zeros(Shape{3, 2}), .y = Tensor::zeros(Shape{3}), .num_classes = 2};
  EXPECT_TRUE(throws<ShapeError>([&] { float_classes.validate("mine"); },
                                 "mine: class labels must be int64, got float32; convert them with .to(DType::i64)"));
  const Dataset both{.x = Tensor::zeros(Shape{2, 1}),
                     .y = Tensor::zeros(Shape{2, 2}),
                     .num_classes = 3,
                     .num_labels = 2};
  EXPECT_TRUE(
      throws<ValueError>([&] { both.validate("mine"); },
                         "mine: num_labels is 2 with 3 classes; a data set has classes or several labels, not both"));
}

TEST(Dataset, MultilabelSizesAndLabelsAreChecked) {
  EXPECT_TRUE(throws<ShapeError>([] { make_multilabel_dataset({1, 2, 3}, {0, 1}, 2, 1); },
                                 "make_multilabel_dataset: 3 feature values do not fill examples of 2 features"));
  EXPECT_TRUE(throws<ShapeError>([] { make_multilabel_dataset({1, 2}, {0, 1, 1}, 1, 2); },
                                 "make_multilabel_dataset: 3 label values do not fill 2 examples of 2 labels"));
  EXPECT_TRUE(throws<ValueError>([] { make_multilabel_dataset({1, 2}, {0, 1, 2, 1}, 1, 2); },
                                 "make_multilabel_dataset: label 2 of example 1 is not 0 or 1"));
  EXPECT_EQ(make_multilabel_dataset({1, 2}, {0, 1, 1, 1}, 1, 2).num_labels, 2);
}

TEST(Scaling, TransformRefusesDataOfOtherWidth) {
  const Scaler scaler = Scaler::fit(table({0, 1, 2, 3}, 2), Scaling::standard);
  EXPECT_TRUE(throws<ShapeError>([&] { scaler.transform(table({0, 1, 2, 3, 4, 5}, 3)); },
                                 "Scaler::transform: the scaler was fitted on 2 features or channels, the data has 3 "
                                 "features in 3 groups"));
}

TEST(Scaling, StandardUsesTrainingStatisticsOnly) {
  // Feature 0: train values 1, 3 (mean 2, std 1); feature 1: constant 5 (scale 1).
  const Dataset d = table({1, 5, 3, 5, 100, 7}, 2);
  auto [train, dev] = split_last(d, 1);
  const Scaler s = Scaler::fit(train, Scaling::standard);
  EXPECT_EQ(s.shift, (std::vector<double>{2, 5}));
  EXPECT_EQ(s.scale, (std::vector<double>{1, 1}));
  EXPECT_EQ(s.transform(train).x.to_vector(), (std::vector<double>{-1, 0, 1, 0}));
  EXPECT_EQ(s.transform(dev).x.to_vector(), (std::vector<double>{98, 2}));
  EXPECT_EQ(d.x.at({2, 0}), 100);  // the source is untouched
}

TEST(Scaling, UnitMapsTrainingRangeToZeroOne) {
  const Dataset d = table({2, -1, 4, 1, 6, 3}, 2);
  const Scaler s = Scaler::fit(d, Scaling::unit);
  EXPECT_EQ(s.transform(d).x.to_vector(), (std::vector<double>{0, 0, 0.5, 0.5, 1, 1}));
  EXPECT_EQ(parse_scaling("standard"), Scaling::standard);
  EXPECT_NE(error_of<ValueError>([] { parse_scaling("minmax"); }).find("expected one of: none, unit, standard"),
            std::string::npos);
}

TEST(IdxFolder, LoadsPlainAndGzipFilesAsFloatPixels) {
  const fs::path dir = fresh_dir("dataset", "set");
  write_idx_set(dir, 7, 4, /*gzip_train=*/true);
  const TrainTest t = load_dataset(dir.string());
  EXPECT_EQ(t.train.x.shape(), Shape({7, 6}));
  EXPECT_EQ(t.test.x.shape(), Shape({4, 6}));
  EXPECT_EQ(t.train.item_shape, Shape({2, 3}));
  EXPECT_TRUE(t.train.is_image());
  EXPECT_EQ(t.train.num_classes, 3);
  EXPECT_EQ(t.train.x.at({2, 5}), static_cast<double>(25.0f / 255.0f));
  EXPECT_EQ(t.test.y.to_vector(), (std::vector<double>{0, 1, 2, 0}));
  EXPECT_EQ(t.test.y.dtype(), DType::i64);
}

TEST(Dataset, ClassLabelsAreInt64AndTargetsFloating) {
  const Dataset classes = make_dataset({0, 1, 2, 3}, {1, 0}, 2, 2);
  EXPECT_EQ(classes.y.dtype(), DType::i64);
  EXPECT_EQ(classes.y.values<int64_t>(), (std::vector<int64_t>{1, 0}));
  const Dataset targets = make_dataset({0, 1, 2, 3}, {0.5, -1.5}, 2, 0);
  EXPECT_EQ(targets.y.dtype(), DType::f32);
  // A label that is not a class index is refused before int64 could truncate it.
  EXPECT_EQ(error_of<ValueError>([] {
              make_dataset({0, 1, 2, 3}, {1.5, 0}, 2, 2);
            }),
            "make_dataset: label 1.5 of example 0 is not a class index in [0, 2)");
  // Classification data with float labels is refused, naming the fix.
  Dataset floats = classes;
  floats.y = classes.y.to(DType::f32);
  EXPECT_EQ(error_of<ShapeError>([&] { floats.validate("mine"); }),
            "mine: class labels must be int64, got float32; convert them with .to(DType::i64)");
  Dataset mixed = targets;
  mixed.y = targets.y.to(DType::f64);
  EXPECT_EQ(error_of<ShapeError>([&] { mixed.validate("mine"); }),
            "mine: targets must have the features' dtype float32, got float64");
  // The loader's batches and a shuffled copy keep the int64 labels.
  Generator gen(3);
  EXPECT_EQ(shuffled(classes, gen).y.dtype(), DType::i64);
  EXPECT_EQ(classes.rows(1, 2).y.values<int64_t>(), std::vector<int64_t>{0});
}

TEST(IdxFolder, ImagesScaleOverAllPixelsTogether) {
  const fs::path dir = fresh_dir("dataset", "scale");
  write_idx_set(dir, 6, 3, false);
  const DataSplits s = make_splits(load_idx_folder(dir), 2, Scaling::standard);
  EXPECT_EQ(s.train.size(), 4);
  EXPECT_EQ(s.dev.size(), 2);
  ASSERT_EQ(s.scaler.shift.size(), 1u);
  // Training pixels: i*10 + j for i < 4, j < 6, over 255; mean (15 + 2.5) / 255.
  EXPECT_NEAR(s.scaler.shift[0], 17.5 / 255, 1e-8);  // pixels are float32
  double mean = 0;
  for (double v : s.train.x.to_vector()) mean += v;
  EXPECT_NEAR(mean / 24, 0.0, 1e-6);
}

TEST(IdxFolder, DifferingImageAndLabelCounts) {
  const fs::path dir = fresh_dir("dataset", "counts");
  write_idx_set(dir, 5, 3, false);
  write_idx(dir / "t10k-labels-idx1-ubyte", std::vector<int64_t>{2}, std::vector<uint8_t>{0, 1});
  const std::string msg = error_of<IOError>([&] { load_idx_folder(dir); });
  EXPECT_NE(msg.find("holds 3 images but"), std::string::npos) << msg;
  EXPECT_NE(msg.find("holds 2 labels; expected one label per image"), std::string::npos) << msg;
}

TEST(IdxFolder, TrainingAndTestImagesOfDifferentSizesAreRefused) {
  const fs::path dir = fresh_dir("idx_folder", "sizes");
  write_idx_set(dir, 4, 2, false);
  write_idx(dir / "t10k-images-idx3-ubyte", std::vector<int64_t>{2, 3, 2}, std::vector<uint8_t>(12, 0));
  EXPECT_TRUE(
      throws<IOError>([&] { load_idx_folder(dir, "the set"); },
                      "the set in '" + dir.string() + "': training images are [2, 3] but test images are [3, 2]"));
  fs::remove_all(dir);
}

TEST(IdxFolder, MissingFilesNameTheFetchCommand) {
  const fs::path dir = fresh_dir("dataset", "empty");
  const std::string mnist = error_of<IOError>([&] { load_mnist(dir); });
  EXPECT_NE(mnist.find("MNIST is not in '" + dir.string() + "'"), std::string::npos) << mnist;
  EXPECT_NE(mnist.find("train-images-idx3-ubyte[.gz]"), std::string::npos) << mnist;
  EXPECT_NE(mnist.find("bash scripts/fetch_mnist.sh"), std::string::npos) << mnist;
  const std::string fashion = error_of<IOError>([&] { load_fashion_mnist(dir); });
  EXPECT_NE(fashion.find("apt-get install dataset-fashion-mnist"), std::string::npos) << fashion;
  const std::string unknown = error_of<IOError>([&] { load_dataset("no-such-data-set"); });
  EXPECT_NE(unknown.find("neither a data set name (mnist, fashion-mnist, spirals"), std::string::npos) << unknown;
}

TEST(IdxFolder, DefaultMnistSearchUsesTheEnvironmentThenNamesTheFetchCommand) {
  const fs::path root = fresh_dir("dataset", "search");
  const descent::testing::ScopedCurrentPath in_root(root);  // no data/mnist in this folder or its parents
  const descent::testing::ScopedEnv data_dir("DESCENT_DATA_DIR", (root / "elsewhere").string());
  const std::string msg = error_of<IOError>([] { load_mnist(); });
  EXPECT_NE(msg.find("MNIST is not installed (looked in " + (root / "elsewhere" / "mnist").string() + ", " +
                     (root / "data" / "mnist").string()),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("fetch it with: bash scripts/fetch_mnist.sh"), std::string::npos) << msg;
  fs::create_directories(root / "elsewhere" / "mnist");
  write_idx_set(root / "elsewhere" / "mnist", 4, 2, true);
  EXPECT_EQ(load_dataset("mnist").train.size(), 4);
}

// Fashion-MNIST as MNIST: $DESCENT_DATA_DIR/fashion-mnist and data/fashion-mnist come before
// Debian's package folder (a small copy there replaces the full set, e.g. for a quick check).
TEST(IdxFolder, DefaultFashionMnistSearchUsesTheEnvironmentFirst) {
  const fs::path root = fresh_dir("dataset", "fashion-search");
  const descent::testing::ScopedCurrentPath in_root(root);
  const descent::testing::ScopedEnv data_dir("DESCENT_DATA_DIR", (root / "elsewhere").string());
  if (!fs::exists(fs::path(kFashionMnistDir) / "train-images-idx3-ubyte.gz")) {
    const std::string msg = error_of<IOError>([] { load_fashion_mnist(); });
    EXPECT_NE(msg.find("Fashion-MNIST is not installed (looked in " + (root / "elsewhere" / "fashion-mnist").string() +
                       ", " + (root / "data" / "fashion-mnist").string()),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find(std::string(kFashionMnistDir) + "); fetch it with: apt-get install dataset-fashion-mnist"),
              std::string::npos)
        << msg;
  }
  fs::create_directories(root / "elsewhere" / "fashion-mnist");
  write_idx_set(root / "elsewhere" / "fashion-mnist", 4, 2, true);
  EXPECT_EQ(load_dataset("fashion-mnist").train.size(), 4);
}

TEST(Synthetic, ByNameSplitIntoTrainAndTest) {
  const TrainTest s = load_dataset("spirals");
  EXPECT_EQ(s.train.size(), 1600);
  EXPECT_EQ(s.test.size(), 400);
  EXPECT_EQ(s.train.num_classes, 2);
  EXPECT_EQ(load_dataset("spirals").test.x.to_vector(), s.test.x.to_vector());
  EXPECT_EQ(load_dataset("blobs").train.num_classes, 4);
  EXPECT_EQ(load_dataset("linear-regression").train.num_features(), 10);
  EXPECT_EQ(load_dataset("xor").test.num_classes, 2);
  EXPECT_THROW(load_synthetic("moons"), ValueError);
}

TEST(Mnist, LoadsWhenFetched) {
  const fs::path dir = fs::path(DESCENT_SOURCE_DIR) / "data" / "mnist";
  if (!fs::exists(dir / "train-images-idx3-ubyte")) DESCENT_SKIP() << "MNIST not fetched (bash scripts/fetch_mnist.sh)";
  const TrainTest m = load_mnist(dir);
  EXPECT_EQ(m.train.x.shape(), Shape({60000, 784}));
  EXPECT_EQ(m.test.x.shape(), Shape({10000, 784}));
  EXPECT_EQ(m.train.num_classes, 10);
  EXPECT_EQ(m.train.y.at({0}), 5);  // the first training digit is a 5, the first test digit a 7
  EXPECT_EQ(m.test.y.at({0}), 7);
  // The statistics everyone normalizes MNIST with: mean 0.1307, std 0.3081 over the 60,000.
  const Scaler s = Scaler::fit(m.train, Scaling::standard);
  EXPECT_NEAR(s.shift[0], 0.1307, 5e-5);
  EXPECT_NEAR(s.scale[0], 0.3081, 5e-5);
  const DataSplits splits = make_splits(m, kMnistDevSize, Scaling::none);
  EXPECT_EQ(splits.train.size(), 55000);
  EXPECT_EQ(splits.dev.size(), 5000);
  EXPECT_EQ(splits.dev.y.at({4999}), m.train.y.at({59999}));
}

TEST(FashionMnist, LoadsFromDebianPackage) {
  if (!fs::exists(fs::path(kFashionMnistDir) / "train-images-idx3-ubyte.gz"))
    DESCENT_SKIP() << "dataset-fashion-mnist is not installed";
  const TrainTest f = load_dataset("fashion-mnist");
  EXPECT_EQ(f.train.x.shape(), Shape({60000, 784}));
  EXPECT_EQ(f.test.x.shape(), Shape({10000, 784}));
  EXPECT_EQ(f.train.num_classes, 10);
  EXPECT_EQ(f.train.item_shape, Shape({28, 28}));
}
