// Dataset: a whole data set in memory, features (N, D) and labels (N) or (N, L), plus the train/dev
// split, input scaling fitted on the training part only, and the loaders by name
// (`mnist`, `fashion-mnist`, a folder of IDX files, a CSV file).
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "descent/data/csv.hpp"
#include "descent/tensor/tensor.hpp"

namespace descent {

// The bytes that 8-bit images were read from, kept beside the float32 features so that a
// shuffling DataLoader can gather a minibatch from a quarter of the memory: a small batch's
// rows are scattered over the data set, and fetching them is a large part of a small step.
// They describe one storage, whose row r is, bit for bit, (bytes[first_row + r] / 255 - shift)
// / scale in float32: the arithmetic of the IDX loader (shift 0, scale 1) and of
// Scaler::transform; with per-channel scaling, channel c's features through channel_shift[c] and
// channel_scale[c] instead (the C channels split a row in equal parts). A Dataset whose x is another tensor (a copy, a
// gather, x replaced) keeps pixels that describe nothing it holds; describes() says so and they go unused. Writing into
// x's storage in place would leave them stale: clear them first (`data.pixels = {}`).
struct BytePixels {
  std::shared_ptr<const std::vector<uint8_t>> bytes;  // row-major, D per row
  int64_t first_row = 0;                              // the row of bytes that is the storage's row 0
  std::weak_ptr<const Storage> storage;
  float shift = 0.0f, scale = 1.0f;
  std::vector<float> channel_shift{}, channel_scale{};  // empty unless scaled per channel

  // True when x is a contiguous float32 (N, D) row range of the described storage.
  bool describes(const Tensor& x) const;
};

struct Dataset {
  Tensor x;                 // (N, D) features, contiguous (float32 from every loader)
  Tensor y;                 // (N) int64 class indices 0..num_classes-1, or (N) regression targets of x's
                            // dtype; (N, num_labels) of 0 and 1 (x's dtype) for multi-label data
  int64_t num_classes = 0;  // 0 for regression and multi-label data
  Shape item_shape;         // one example's shape before flattening: [28, 28] for MNIST, [D] for tables
  BytePixels pixels;        // set by the IDX loader (8-bit images); empty otherwise
  int64_t num_labels = 0;   // multi-label data: each example has this many independent 0/1 labels

  int64_t size() const { return x.size(0); }
  int64_t num_features() const { return x.size(1); }
  bool is_classification() const { return num_classes > 0; }
  bool is_multilabel() const { return num_labels > 0; }
  // The model's output units: one score per class or label, one for a regression target.
  int64_t num_outputs() const { return is_classification() ? num_classes : is_multilabel() ? num_labels : 1; }
  bool is_image() const { return item_shape.rank() > 1; }

  // Rows [begin, end) as views sharing this dataset's storage.
  Dataset rows(int64_t begin, int64_t end) const;
  // Throws ShapeError unless x is (N, D) contiguous, y is (N) (or (N, num_labels) for multi-label
  // data) contiguous, int64 for classification and else of x's dtype, and every label is in
  // [0, num_classes) for classification, 0 or 1 for multi-label data.
  void validate(std::string_view what) const;
};

// Builds a classification or regression dataset from row-major features and labels,
// checking sizes (and, for classes, that labels are integers in range: y is then int64).
Dataset make_dataset(std::vector<float> features, std::vector<float> labels, int64_t num_features, int64_t num_classes,
                     Shape item_shape = {});

// Builds a multi-label dataset: labels (N, num_labels) row-major, each 0 or 1 (checked).
Dataset make_multilabel_dataset(std::vector<float> features, std::vector<float> labels, int64_t num_features,
                                int64_t num_labels);

// Splits off the last k examples: {first N - k, last k}, both views (no copy). The dev set
// of MNIST is the last 5,000 of its 60,000 training images by default.
inline constexpr int64_t kMnistDevSize = 5000;
std::pair<Dataset, Dataset> split_last(const Dataset& data, int64_t k);

// The same dataset with its rows in the order of a permutation drawn from `gen` (a copy).
Dataset shuffled(const Dataset& data, Generator& gen);

// ---- input scaling: x' = (x - shift) / scale, statistics from the training part only ----
enum class Scaling {
  none,      // as loaded (IDX images are already in [0, 1]: bytes / 255, as torchvision's ToTensor)
  unit,      // min-max to [0, 1] on the training part
  standard,  // zero mean and unit variance on the training part (population std, as sklearn)
};
Scaling parse_scaling(std::string_view name);  // "none" | "unit" | "standard"
std::string_view scaling_name(Scaling s);

// For images the statistics are taken over all pixels of a channel together (one shift and
// scale per channel, as torchvision's Normalize((0.1307,), (0.3081,)) for MNIST and
// Normalize(mean, std) with three values for CIFAR-10): a single pixel's own statistics are
// meaningless (a border pixel is 0 in almost every image). Images without a channel dimension
// in item_shape are one channel. For tables they are per feature. A group with zero range
// or variance gets scale 1.
struct Scaler {
  Scaling kind = Scaling::none;
  std::vector<double> shift;  // one per feature, or one per channel for images
  std::vector<double> scale;

  static Scaler fit(const Dataset& train, Scaling kind);
  Dataset transform(const Dataset& data) const;  // a scaled copy (labels shared)
};

// ---- loaders ----
struct TrainTest {
  Dataset train;
  Dataset test;
};

// The four standard files (train-images-idx3-ubyte, train-labels-idx1-ubyte,
// t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte), each plain or with .gz, from a folder.
// Pixels become float32 bytes / 255; labels class indices. `name` and `fetch_hint` go into
// the error when files are missing.
TrainTest load_idx_folder(const std::filesystem::path& dir, std::string_view name = "IDX data set",
                          std::string_view fetch_hint = "");

// MNIST from `dir`, or when empty from the first of $DESCENT_DATA_DIR/mnist and data/mnist in
// the working folder or one of its parents. Missing: the error names `bash scripts/fetch_mnist.sh`
// and DESCENT_DATA_DIR.
TrainTest load_mnist(const std::filesystem::path& dir = {});
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
// Fashion-MNIST (Debian's dataset-fashion-mnist). Missing: the error names the apt-get command.
TrainTest load_fashion_mnist(const std::filesystem::path& dir = kFashionMnistDir);

// What the labels are (`--task`): class indices 0..K-1, regression targets, or several
// independent 0/1 labels per example (multilabel, a CSV file's --label-columns). `infer` decides
// from the labels and refuses when they could be either (see load_csv_dataset); it never picks
// multilabel.
enum class Task { infer, classification, regression, multilabel };
Task parse_task(std::string_view name);  // "infer" | "classification" | "regression" | "multilabel"
std::string_view task_name(Task task);

// A CSV file as a data set: its rows are shuffled with a fixed seed (files are often sorted by
// class) and the last kCsvTestFraction of them become the test set. With Task::infer the labels
// are classes when every one is a non-negative integer, and regression targets when more than
// kCsvStrayLabelFraction of them are not; a few stray labels among class indices (a -1, a 1.5)
// are refused, naming the line and the value. Classes must fill most of 0..K-1: a label that
// implies more classes than half of which have no example (1,000,000 among 0..9) is refused too.
// Several label columns need Task::multilabel, and then every label must be 0 or 1 (a 0.5 is
// refused naming the file, line, column and value).
inline constexpr uint64_t kCsvShuffleSeed = 20190101;
inline constexpr double kCsvTestFraction = 0.2;
inline constexpr double kCsvStrayLabelFraction = 0.05;
TrainTest load_csv_dataset(const std::filesystem::path& path, const CsvOptions& options = {}, Task task = Task::infer);

// A synthetic set by name (data/synthetic.hpp), for demos and quick runs: `spirals` (2,000
// points, 2 classes), `xor` (2,000, 2 classes), `blobs` (2,000 in 2-D, 4 classes),
// `linear-regression` (2,000 in 10-D, targets). Always the same: generated from
// kSyntheticSeed, shuffled, and the last kCsvTestFraction is the test set.
inline constexpr uint64_t kSyntheticSeed = 20191105;
TrainTest load_synthetic(std::string_view name);

// `mnist`, `fashion-mnist`, `cifar10` (data/cifar.hpp), a synthetic set's name, a folder of IDX files, or a CSV file
// (read with `csv`). `task` regression makes any set's labels targets; classification refuses a
// set of targets.
TrainTest load_dataset(const std::string& name_or_path, const CsvOptions& csv = {}, Task task = Task::infer);

// The usual preparation: the last dev_size training examples become dev, a scaler is fitted
// on the rest and applied to all three parts.
struct DataSplits {
  Dataset train;
  Dataset dev;
  Dataset test;
  Scaler scaler;
};
DataSplits make_splits(const TrainTest& data, int64_t dev_size, Scaling scaling);

}  // namespace descent
