// Dataset helpers, scaling, and the loaders by name.
#include "descent/data/dataset.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "descent/data/cifar.hpp"
#include "descent/data/data_folders.hpp"
#include "descent/data/idx.hpp"
#include "descent/data/synthetic.hpp"

namespace descent {
namespace {

std::string shape_text(const Tensor& t) { return t.defined() ? t.shape().str() : "undefined"; }

// Whole numbers in full (a label of 1000000, not 1e+06), others to 6 significant digits.

// The groups a Scaler takes statistics over: one per channel for images (a leading channel
// dimension in item_shape, (C, H, W); one channel for (H, W)), one per feature for tables.
int64_t scaling_groups(const Dataset& data) {
  if (data.item_shape.rank() == 3) return data.item_shape[0];
  return data.is_image() ? 1 : data.num_features();
}

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v == std::floor(v) && std::abs(v) < 1e15 ? "%.0f" : "%g", v);
  return buf;
}

// Pixels as float32 bytes / 255, the division torchvision's ToTensor does.
Tensor images_to_float(const IdxArray& images) {
  std::array<float, 256> lut{};
  for (int v = 0; v < 256; ++v) lut[static_cast<std::size_t>(v)] = static_cast<float>(v) / 255.0f;
  const int64_t n = images.dims[0];
  int64_t d = 1;
  for (std::size_t i = 1; i < images.dims.size(); ++i) d *= images.dims[i];
  Tensor x = Tensor::empty(Shape{n, d});
  float* out = x.data<float>();
  for (std::size_t i = 0; i < images.data.size(); ++i) out[i] = lut[images.data[i]];
  return x;
}

// "train-images-idx3-ubyte" or "train-images-idx3-ubyte.gz", whichever exists.
std::filesystem::path find_idx_file(const std::filesystem::path& dir, const std::string& stem) {
  std::filesystem::path plain = dir / stem;
  if (std::filesystem::exists(plain)) return plain;
  std::filesystem::path gz = dir / (stem + ".gz");
  if (std::filesystem::exists(gz)) return gz;
  return {};
}

Dataset idx_pair(const std::filesystem::path& images_path, const std::filesystem::path& labels_path) {
  IdxArray images = read_idx(images_path, 3);
  const IdxArray labels = read_idx(labels_path, 1);
  if (images.dims[0] != labels.dims[0])
    throw IOError("'" + images_path.string() + "' holds " + std::to_string(images.dims[0]) + " images but '" +
                  labels_path.string() + "' holds " + std::to_string(labels.dims[0]) +
                  " labels; expected one label per image");
  Dataset out;
  out.x = images_to_float(images);
  out.item_shape = Shape{images.dims[1], images.dims[2]};
  out.pixels = {.bytes = std::make_shared<const std::vector<uint8_t>>(std::move(images.data)),
                .storage = out.x.impl().storage};
  out.y = Tensor::empty(Shape{labels.dims[0]}, DType::i64);
  int64_t* y = out.y.data<int64_t>();
  uint8_t largest = 0;
  for (std::size_t i = 0; i < labels.data.size(); ++i) {
    y[i] = labels.data[i];
    largest = std::max(largest, labels.data[i]);
  }
  out.num_classes = int64_t{largest} + 1;
  return out;
}

// The index of a label that implies far more classes than the labels hold: more than half of
// the classes 0..largest have no example (an MNIST label of 200 would make a 201-class model).
// -1 when the class count fits. Labels are class indices.
int64_t implausible_label(const std::vector<double>& labels) {
  if (labels.empty()) return -1;
  const auto largest = std::max_element(labels.begin(), labels.end());
  std::vector<bool> present(static_cast<std::size_t>(*largest) + 1);
  for (double v : labels) present[static_cast<std::size_t>(v)] = true;
  const auto occurring = std::count(present.begin(), present.end(), true);
  if (2 * occurring >= static_cast<std::ptrdiff_t>(present.size())) return -1;
  return largest - labels.begin();
}

std::string class_count_text(const std::vector<double>& labels, int64_t index) {
  const auto classes = static_cast<int64_t>(labels[static_cast<std::size_t>(index)]) + 1;
  std::vector<bool> present(static_cast<std::size_t>(classes));
  for (double v : labels) present[static_cast<std::size_t>(v)] = true;
  return "implies " + std::to_string(classes) + " classes but only " +
         std::to_string(std::count(present.begin(), present.end(), true)) + " of them have examples";
}

bool is_class_index(float v) { return v >= 0 && v == std::floor(v) && v < 16777216.0f; }

// The class count of a CSV file's labels, or 0 for regression targets (load_csv_dataset's rules).
int64_t csv_class_count(const CsvData& csv, const std::filesystem::path& path, Task task) {
  if (task == Task::regression) return 0;
  auto label_at = [&](std::size_t row) {
    return "'" + path.string() + "' line " + std::to_string(csv.lines[row]) + ": label " + number_text(csv.labels[row]);
  };
  const std::string either = "; fix it, or pass --task regression if the labels are targets";
  std::size_t strays = 0, first_stray = 0;
  for (std::size_t row = 0; row < csv.labels.size(); ++row)
    if (!is_class_index(csv.labels[row]) && strays++ == 0) first_stray = row;
  if (strays > 0) {
    const bool few = static_cast<double>(strays) <= kCsvStrayLabelFraction * static_cast<double>(csv.labels.size());
    if (task == Task::infer && !few) return 0;
    throw ValueError(label_at(first_stray) + " is not a class index 0, 1, ..." +
                     (task == Task::classification ? " (--task classification)" : " as the other labels are" + either));
  }
  const std::vector<double> labels(csv.labels.begin(), csv.labels.end());
  if (const int64_t row = implausible_label(labels); row >= 0)
    throw ValueError(label_at(static_cast<std::size_t>(row)) + " " + class_count_text(labels, row) + either);
  return static_cast<int64_t>(*std::max_element(labels.begin(), labels.end())) + 1;
}

// Refuses several label columns unless the task is multilabel, and then any label but 0 and 1.
void check_csv_labels(const CsvData& csv, const std::filesystem::path& path, Task task) {
  const int64_t count = csv.num_labels();
  if (count > 1 && task != Task::multilabel) {
    std::string names;
    for (const std::string& name : csv.label_names) names += (names.empty() ? "'" : ", '") + name + "'";
    throw ValueError("'" + path.string() + "': " + std::to_string(count) + " label columns (" + names +
                     ") are multi-label data; pass --task multilabel" +
                     (task == Task::infer ? "" : " instead of --task " + std::string(task_name(task))));
  }
  if (task != Task::multilabel) return;
  for (std::size_t i = 0; i < csv.labels.size(); ++i) {
    const float v = csv.labels[i];
    if (v == 0 || v == 1) continue;
    const std::size_t row = i / static_cast<std::size_t>(count), label = i % static_cast<std::size_t>(count);
    throw ValueError("'" + path.string() + "' line " + std::to_string(csv.lines[row]) + ", column " +
                     std::to_string(csv.label_numbers[label]) + " ('" + csv.label_names[label] + "'): label " +
                     number_text(v) + " is not 0 or 1 (--task multilabel)");
  }
}

// Refuses an IDX label that implies far more classes than the files hold.
void check_idx_classes(const TrainTest& data, const std::filesystem::path& train_labels,
                       const std::filesystem::path& test_labels) {
  std::vector<double> labels = data.train.y.to_vector();
  const std::vector<double> test = data.test.y.to_vector();
  labels.insert(labels.end(), test.begin(), test.end());
  const int64_t index = implausible_label(labels);
  if (index < 0) return;
  const auto train_size = static_cast<int64_t>(labels.size() - test.size());
  const bool in_train = index < train_size;
  throw IOError("'" + (in_train ? train_labels : test_labels).string() + "': label " +
                number_text(labels[static_cast<std::size_t>(index)]) + " of example " +
                std::to_string(in_train ? index : index - train_size) + " " + class_count_text(labels, index) +
                "; the file is corrupt or not an MNIST-style label file");
}

// Refuses a label that is not a class index in [0, num_classes), naming it and its example.
void check_class_labels(const std::vector<double>& labels, int64_t num_classes, const std::string& name) {
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const double v = labels[i];
    if (v != std::floor(v) || v < 0 || v >= static_cast<double>(num_classes))
      throw ValueError(name + ": label " + number_text(v) + " of example " + std::to_string(i) +
                       " is not a class index in [0, " + std::to_string(num_classes) + ")");
  }
}

}  // namespace

constexpr std::array<std::pair<Task, std::string_view>, 4> kTaskNames = {{{Task::infer, "infer"},
                                                                          {Task::classification, "classification"},
                                                                          {Task::regression, "regression"},
                                                                          {Task::multilabel, "multilabel"}}};

Task parse_task(std::string_view name) {
  if (name.empty()) return Task::infer;
  for (const auto& [task, text] : kTaskNames)
    if (name == text) return task;
  throw ValueError("--task must be classification, regression, multilabel or infer, got '" + std::string(name) + "'");
}

std::string_view task_name(Task task) {
  for (const auto& [known, text] : kTaskNames)
    if (task == known) return text;
  return "infer";
}

// ---------------------------------------------------------------- Dataset

bool BytePixels::describes(const Tensor& x) const {
  const std::shared_ptr<const Storage> s = storage.lock();
  if (!bytes || !s || !x.defined() || s.get() != x.impl().storage.get()) return false;
  if (x.dtype() != DType::f32 || x.dim() != 2 || !x.is_contiguous() || x.size(1) == 0) return false;
  const int64_t d = x.size(1), storage_rows = static_cast<int64_t>(s->nbytes() / sizeof(float)) / d;
  return x.offset() % d == 0 && x.offset() / d + x.size(0) <= storage_rows &&
         (first_row + storage_rows) * d <= static_cast<int64_t>(bytes->size());
}

Dataset Dataset::rows(int64_t begin, int64_t end) const {
  if (begin < 0 || end < begin || end > size())
    throw ValueError("Dataset::rows: range [" + std::to_string(begin) + ", " + std::to_string(end) +
                     ") is out of range for " + std::to_string(size()) + " examples");
  return Dataset{.x = x.narrow(0, begin, end - begin),
                 .y = y.narrow(0, begin, end - begin),
                 .num_classes = num_classes,
                 .item_shape = item_shape,
                 .pixels = pixels,  // views of the same storage
                 .num_labels = num_labels};
}

void Dataset::validate(std::string_view what) const {
  const std::string name(what);
  const int64_t label_dims = is_multilabel() ? 2 : 1;
  if (!x.defined() || !y.defined() || x.dim() != 2 || y.dim() != label_dims || x.size(0) != y.size(0) ||
      (is_multilabel() && y.size(1) != num_labels))
    throw ShapeError(name + ": a data set needs features (N, D) and labels " +
                     (is_multilabel() ? "(N, " + std::to_string(num_labels) + ")" : std::string("(N)")) + ", got " +
                     shape_text(x) + " and " + shape_text(y));
  if (!x.is_contiguous() || !y.is_contiguous()) throw ShapeError(name + ": features and labels must be contiguous");
  if (num_classes < 0) throw ValueError(name + ": num_classes is " + std::to_string(num_classes) + ", expected >= 0");
  if (num_labels < 0 || (num_labels > 0 && num_classes > 0))
    throw ValueError(name + ": num_labels is " + std::to_string(num_labels) + " with " + std::to_string(num_classes) +
                     " classes; a data set has classes or several labels, not both");
  if (num_classes > 0 && y.dtype() != DType::i64)
    throw ShapeError(name + ": class labels must be int64, got " + std::string(dtype_name(y.dtype())) +
                     "; convert them with .to(DType::i64)");
  if (num_classes == 0 && y.dtype() != x.dtype())
    throw ShapeError(name + ": targets must have the features' dtype " + std::string(dtype_name(x.dtype())) + ", got " +
                     std::string(dtype_name(y.dtype())));
  if (is_multilabel()) {
    const std::vector<double> labels = y.to_vector();
    for (std::size_t i = 0; i < labels.size(); ++i)
      if (labels[i] != 0 && labels[i] != 1)
        throw ValueError(name + ": label " + number_text(labels[i]) + " of example " +
                         std::to_string(i / static_cast<std::size_t>(num_labels)) + " is not 0 or 1");
  }
  if (num_classes > 0) check_class_labels(y.to_vector(), num_classes, name);
}

Dataset make_dataset(std::vector<float> features, std::vector<float> labels, int64_t num_features, int64_t num_classes,
                     Shape item_shape) {
  const auto n = static_cast<int64_t>(labels.size());
  if (num_features <= 0 || static_cast<int64_t>(features.size()) != n * num_features)
    throw ShapeError("make_dataset: " + std::to_string(features.size()) + " feature values do not fill " +
                     std::to_string(n) + " examples of " + std::to_string(num_features) + " features");
  // Class labels are checked as read, before int64 would truncate a 1.5 to a class.
  if (num_classes > 0)
    check_class_labels(std::vector<double>(labels.begin(), labels.end()), num_classes, "make_dataset");
  Dataset out{.x = Tensor::from_data(std::span<const float>(features), Shape{n, num_features}),
              .y = Tensor::from_data(std::span<const float>(labels), Shape{n},
                                     num_classes > 0 ? DType::i64 : DType::f32),
              .num_classes = num_classes,
              .item_shape = item_shape.empty() ? Shape{num_features} : item_shape,
              .pixels = {}};
  if (out.item_shape.numel() != num_features)
    throw ShapeError("make_dataset: item shape " + out.item_shape.str() + " does not hold " +
                     std::to_string(num_features) + " features");
  out.validate("make_dataset");
  return out;
}

Dataset make_multilabel_dataset(std::vector<float> features, std::vector<float> labels, int64_t num_features,
                                int64_t num_labels) {
  if (num_features <= 0 || num_labels <= 0 || features.size() % static_cast<std::size_t>(num_features) != 0)
    throw ShapeError("make_multilabel_dataset: " + std::to_string(features.size()) + " feature values do not fill " +
                     "examples of " + std::to_string(num_features) + " features");
  const auto n = static_cast<int64_t>(features.size()) / num_features;
  if (static_cast<int64_t>(labels.size()) != n * num_labels)
    throw ShapeError("make_multilabel_dataset: " + std::to_string(labels.size()) + " label values do not fill " +
                     std::to_string(n) + " examples of " + std::to_string(num_labels) + " labels");
  Dataset out{.x = Tensor::from_data(std::span<const float>(features), Shape{n, num_features}),
              .y = Tensor::from_data(std::span<const float>(labels), Shape{n, num_labels}),
              .num_classes = 0,
              .item_shape = Shape{num_features},
              .pixels = {},
              .num_labels = num_labels};
  out.validate("make_multilabel_dataset");
  return out;
}

std::pair<Dataset, Dataset> split_last(const Dataset& data, int64_t k) {
  if (k < 0 || k >= data.size())
    throw ValueError("split_last: cannot split off the last " + std::to_string(k) + " of " +
                     std::to_string(data.size()) + " examples (expected 0 <= k < " + std::to_string(data.size()) +
                     ", so that training examples remain)");
  return {data.rows(0, data.size() - k), data.rows(data.size() - k, data.size())};
}

Dataset shuffled(const Dataset& data, Generator& gen) {
  const std::vector<int64_t> order = gen.permutation(data.size());
  Dataset out{.x = Tensor::empty(data.x.shape(), data.x.dtype()),
              .y = Tensor::empty(data.y.shape(), data.y.dtype()),
              .num_classes = data.num_classes,
              .item_shape = data.item_shape,
              .pixels = {},  // a copy in another order: no bytes
              .num_labels = data.num_labels};
  const std::size_t row = static_cast<std::size_t>(data.num_features()) * dtype_size(data.x.dtype());
  const std::size_t label = static_cast<std::size_t>(data.y.numel() / std::max<int64_t>(1, data.size())) *
                            dtype_size(data.y.dtype());  // one example's labels
  const auto* xs =
      static_cast<const char*>(data.x.impl().storage->data()) + data.x.offset() * dtype_size(data.x.dtype());
  const auto* ys = static_cast<const char*>(data.y.impl().storage->data()) + data.y.offset() * label;
  auto* xd = static_cast<char*>(out.x.impl().storage->data());
  auto* yd = static_cast<char*>(out.y.impl().storage->data());
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto j = static_cast<std::size_t>(order[i]);
    std::memcpy(xd + i * row, xs + j * row, row);
    std::memcpy(yd + i * label, ys + j * label, label);
  }
  return out;
}

// ---------------------------------------------------------------- scaling

Scaling parse_scaling(std::string_view name) {
  if (name == "none") return Scaling::none;
  if (name == "unit") return Scaling::unit;
  if (name == "standard") return Scaling::standard;
  throw ValueError("unknown input scaling '" + std::string(name) + "'; expected one of: none, unit, standard");
}

std::string_view scaling_name(Scaling s) {
  switch (s) {
    case Scaling::none: return "none";
    case Scaling::unit: return "unit";
    case Scaling::standard: return "standard";
  }
  return "none";
}

Scaler Scaler::fit(const Dataset& train, Scaling kind) {
  train.validate("Scaler::fit");
  if (train.size() == 0) throw ValueError("Scaler::fit: the training part is empty");
  Scaler s{.kind = kind, .shift = {}, .scale = {}};
  if (kind == Scaling::none) return s;
  const int64_t n = train.size(), d = train.num_features();
  // Images: one group per channel (features j of channel j / width); tables: one per feature.
  const int64_t groups = scaling_groups(train), width = d / groups;
  constexpr double kInfinity = std::numeric_limits<double>::infinity();
  std::vector<double> lo(groups, kInfinity), hi(groups, -kInfinity), sum(groups, 0.0), sumsq(groups, 0.0);
  const double count = static_cast<double>(n) * static_cast<double>(width);
  dispatch(train.x.dtype(), [&]<class T>() {
    const T* xs = train.x.data<T>();
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < d; ++j) {
        const double v = xs[i * d + j];
        const auto g = static_cast<std::size_t>(j / width);
        lo[g] = std::min(lo[g], v);
        hi[g] = std::max(hi[g], v);
        sum[g] += v;
      }
    if (kind == Scaling::standard)  // two passes: the mean first, then squared deviations
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < d; ++j) {
          const auto g = static_cast<std::size_t>(j / width);
          const double dev = xs[i * d + j] - sum[g] / count;
          sumsq[g] += dev * dev;
        }
  });
  for (int64_t g = 0; g < groups; ++g) {
    const auto k = static_cast<std::size_t>(g);
    const double shift = kind == Scaling::unit ? lo[k] : sum[k] / count;
    const double scale = kind == Scaling::unit ? hi[k] - lo[k] : std::sqrt(sumsq[k] / count);
    s.shift.push_back(shift);
    s.scale.push_back(scale > 0 ? scale : 1.0);
  }
  return s;
}

Dataset Scaler::transform(const Dataset& data) const {
  if (kind == Scaling::none) return data;
  const int64_t n = data.size(), d = data.num_features();
  const auto groups = static_cast<int64_t>(shift.size());
  if (groups == 0 || d % groups != 0 || (groups != 1 && groups != d && groups != scaling_groups(data)))
    throw ShapeError("Scaler::transform: the scaler was fitted on " + std::to_string(groups) +
                     " features or channels, the data has " + std::to_string(d) + " features in " +
                     std::to_string(scaling_groups(data)) + " groups");
  const int64_t width = d / groups;  // features per group: 1 for tables, a channel's pixels for images
  std::vector<float> sh(static_cast<std::size_t>(d)), sc(static_cast<std::size_t>(d));
  for (int64_t j = 0; j < d; ++j) {
    sh[static_cast<std::size_t>(j)] = static_cast<float>(shift[static_cast<std::size_t>(j / width)]);
    sc[static_cast<std::size_t>(j)] = static_cast<float>(scale[static_cast<std::size_t>(j / width)]);
  }
  Dataset out = data;
  Tensor src = data.x.to(DType::f32).contiguous();
  out.x = Tensor::empty(src.shape());
  const float* in = src.data<float>();
  float* dst = out.x.data<float>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j)  // (x - mean) / std in float32, as torchvision's Normalize
      dst[i * d + j] = (in[i * d + j] - sh[static_cast<std::size_t>(j)]) / sc[static_cast<std::size_t>(j)];
  // Unscaled 8-bit images stay described by their bytes: the new rows are the same bytes
  // through one more (x - shift) / scale, the same for every pixel of a channel.
  out.pixels = {};
  const BytePixels& bytes = data.pixels;
  if (bytes.describes(data.x) && bytes.shift == 0.0f && bytes.scale == 1.0f && bytes.channel_shift.empty() &&
      (groups == 1 || groups == scaling_groups(data))) {
    out.pixels = {.bytes = bytes.bytes,
                  .first_row = bytes.first_row + data.x.offset() / d,
                  .storage = out.x.impl().storage,
                  .shift = groups == 1 ? sh[0] : 0.0f,
                  .scale = groups == 1 ? sc[0] : 1.0f,
                  .channel_shift = {},
                  .channel_scale = {}};
    for (int64_t c = 0; groups > 1 && c < groups; ++c) {
      out.pixels.channel_shift.push_back(sh[static_cast<std::size_t>(c * width)]);
      out.pixels.channel_scale.push_back(sc[static_cast<std::size_t>(c * width)]);
    }
  }
  return out;
}

// ---------------------------------------------------------------- loaders

TrainTest load_idx_folder(const std::filesystem::path& dir, std::string_view name, std::string_view fetch_hint) {
  static constexpr std::array<const char*, 4> kFiles = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
  std::array<std::filesystem::path, 4> paths;
  std::string missing;
  for (std::size_t i = 0; i < kFiles.size(); ++i) {
    paths[i] = find_idx_file(dir, kFiles[i]);
    if (paths[i].empty()) missing += std::string(missing.empty() ? "" : ", ") + kFiles[i] + "[.gz]";
  }
  if (!missing.empty())
    throw IOError(std::string(name) + " is not in '" + dir.string() + "': missing " + missing +
                  (fetch_hint.empty() ? std::string() : "; fetch it with: " + std::string(fetch_hint)));
  TrainTest out{.train = idx_pair(paths[0], paths[1]), .test = idx_pair(paths[2], paths[3])};
  if (out.train.item_shape != out.test.item_shape)
    throw IOError(std::string(name) + " in '" + dir.string() + "': training images are " + out.train.item_shape.str() +
                  " but test images are " + out.test.item_shape.str());
  out.train.num_classes = out.test.num_classes = std::max(out.train.num_classes, out.test.num_classes);
  check_idx_classes(out, paths[1], paths[3]);
  return out;
}

TrainTest load_mnist(const std::filesystem::path& dir) {
  static constexpr const char* kFetch = "bash scripts/fetch_mnist.sh (in the descent repository)";
  if (!dir.empty()) return load_idx_folder(dir, "MNIST", kFetch);
  const std::vector<std::filesystem::path> candidates = data_folder_candidates("mnist");
  for (const auto& c : candidates)
    if (!find_idx_file(c, "train-images-idx3-ubyte").empty()) return load_idx_folder(c, "MNIST", kFetch);
  throw IOError("MNIST is not installed (looked in " + joined(candidates) + "); fetch it with: " + kFetch +
                ", or set DESCENT_DATA_DIR to the folder that holds mnist/");
}

// The default folder, Debian's package, is searched last: $DESCENT_DATA_DIR/fashion-mnist and
// data/fashion-mnist come first, as for MNIST, so a copy there (a small one, for a quick check)
// takes its place.
TrainTest load_fashion_mnist(const std::filesystem::path& dir) {
  static constexpr const char* kFetch = "apt-get install dataset-fashion-mnist";
  if (dir != kFashionMnistDir) return load_idx_folder(dir, "Fashion-MNIST", kFetch);
  std::vector<std::filesystem::path> candidates = data_folder_candidates("fashion-mnist");
  candidates.emplace_back(kFashionMnistDir);
  for (const auto& c : candidates)
    if (!find_idx_file(c, "train-images-idx3-ubyte").empty()) return load_idx_folder(c, "Fashion-MNIST", kFetch);
  throw IOError("Fashion-MNIST is not installed (looked in " + joined(candidates) + "); fetch it with: " + kFetch +
                ", or set DESCENT_DATA_DIR to the folder that holds fashion-mnist/");
}

TrainTest load_csv_dataset(const std::filesystem::path& path, const CsvOptions& options, Task task) {
  CsvData csv = read_csv(path, options);
  const int64_t rows = csv.rows();
  const int64_t test_rows = static_cast<int64_t>(std::floor(static_cast<double>(rows) * kCsvTestFraction));
  if (test_rows < 1 || rows - test_rows < 1)
    throw IOError("CSV file '" + path.string() + "' has " + std::to_string(rows) + " data rows; at least " +
                  std::to_string(static_cast<int64_t>(std::ceil(1.0 / kCsvTestFraction))) +
                  " are needed to split off a test set");
  check_csv_labels(csv, path, task);
  Dataset all = task == Task::multilabel ? make_multilabel_dataset(std::move(csv.features), std::move(csv.labels),
                                                                   csv.num_features(), csv.num_labels())
                                         : make_dataset(std::move(csv.features), std::move(csv.labels),
                                                        csv.num_features(), csv_class_count(csv, path, task));
  Generator gen(kCsvShuffleSeed);
  all = shuffled(all, gen);
  auto [train, test] = split_last(all, test_rows);
  return {.train = train, .test = test};
}

TrainTest load_synthetic(std::string_view name) {
  constexpr int64_t kSize = 2000;
  Generator gen(kSyntheticSeed);
  Dataset all;
  if (name == "spirals")
    all = make_spirals(kSize / 2, gen);
  else if (name == "xor")
    all = make_xor(kSize, gen, 0.05);
  else if (name == "blobs")
    all = make_blobs(kSize, 4, 2, gen);
  else if (name == "linear-regression")
    all = make_linear_regression(kSize, 10, gen).data;
  else
    throw ValueError("unknown synthetic data set '" + std::string(name) +
                     "'; expected one of: spirals, xor, blobs, linear-regression");
  all = shuffled(all, gen);  // spirals are generated in order along the arms
  auto [train, test] = split_last(all, static_cast<int64_t>(kSize * kCsvTestFraction));
  return {.train = train, .test = test};
}

namespace {

TrainTest load_by_name(const std::string& name_or_path, const CsvOptions& csv, Task task) {
  if (name_or_path == "mnist") return load_mnist();
  if (name_or_path == "fashion-mnist") return load_fashion_mnist();
  if (name_or_path == "cifar10") return load_cifar10();
  if (name_or_path == "spirals" || name_or_path == "xor" || name_or_path == "blobs" ||
      name_or_path == "linear-regression")
    return load_synthetic(name_or_path);
  const std::filesystem::path path(name_or_path);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return load_idx_folder(path, "IDX data set");
  if (std::filesystem::is_regular_file(path, ec)) return load_csv_dataset(path, csv, task);
  throw IOError("data '" + name_or_path +
                "' is neither a data set name (mnist, fashion-mnist, spirals, xor, blobs, linear-regression, "
                "cifar10) nor an existing folder of IDX files or CSV file");
}

}  // namespace

TrainTest load_dataset(const std::string& name_or_path, const CsvOptions& csv, Task task) {
  TrainTest data = load_by_name(name_or_path, csv, task);
  if (task == Task::regression)
    for (Dataset* part : {&data.train, &data.test})
      if (part->is_classification()) {  // class indices read as targets, in the features' dtype
        part->y = part->y.to(part->x.dtype());
        part->num_classes = 0;
      }
  if (task == Task::classification && !data.train.is_classification())
    throw ValueError("--task classification needs class indices 0..K-1 as labels, and those of '" + name_or_path +
                     "' are regression targets; use --task regression");
  if (task == Task::multilabel && !data.train.is_multilabel())
    throw ValueError("--task multilabel needs a CSV file whose label columns (--label-columns) hold 0 and 1; '" +
                     name_or_path + "' is not one");
  return data;
}

DataSplits make_splits(const TrainTest& data, int64_t dev_size, Scaling scaling) {
  auto [train, dev] = split_last(data.train, dev_size);
  const Scaler scaler = Scaler::fit(train, scaling);  // a shift and a scale per feature: cheap to copy
  return {.train = scaler.transform(train),
          .dev = scaler.transform(dev),
          .test = scaler.transform(data.test),
          .scaler = scaler};
}

}  // namespace descent
