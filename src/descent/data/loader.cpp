// DataLoader: batches are row copies (memcpy) into reused buffers, or views when unshuffled
// and unaugmented; 8-bit images are converted from their bytes (BytePixels); augmentation works
// on the copied rows in place; no per-example allocation.
#include "descent/data/loader.hpp"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

namespace descent {

namespace {

// The (C, H, W) of the examples augmentation applies to: item_shape (C, H, W), or (H, W) as
// one channel; float32 features only.
ImageShape augmented_shape(const Dataset& data) {
  const Shape& shape = data.item_shape;
  ImageShape image{};
  if (shape.rank() == 3)
    image = {shape[0], shape[1], shape[2]};
  else if (shape.rank() == 2)
    image = {1, shape[0], shape[1]};
  else
    throw ValueError(
        "DataLoader: augmentation needs image examples (C, H, W) or (H, W); this data set's examples are " +
        data.item_shape.str());
  if (image[0] * image[1] * image[2] != data.num_features() || data.x.dtype() != DType::f32)
    throw ValueError("DataLoader: augmentation needs float32 examples of " + data.item_shape.str() + ", got " +
                     data.x.shape().str() + " " + std::string(dtype_name(data.x.dtype())));
  return image;
}

// Rows of 8-bit images from their bytes: (b / 255 - shift) / scale in float32, the arithmetic
// that made the dataset's x (BytePixels), so the values are the same bits; the plain division
// when shift and scale leave it as it is.
void decode_span(const uint8_t* bytes, int64_t d, float shift, float scale, float* out) {
  if (shift == 0.0f && scale == 1.0f) {
#pragma omp simd
    for (int64_t j = 0; j < d; ++j) out[j] = static_cast<float>(bytes[j]) / 255.0f;
  } else {
#pragma omp simd
    for (int64_t j = 0; j < d; ++j) out[j] = (static_cast<float>(bytes[j]) / 255.0f - shift) / scale;
  }
}

// One row: each channel's part with its own shift and scale when scaled per channel.
void decode_row(const uint8_t* bytes, int64_t d, const BytePixels& pixels, float* out) {
  const auto channels = static_cast<int64_t>(pixels.channel_shift.size());
  if (channels == 0) {
    decode_span(bytes, d, pixels.shift, pixels.scale, out);
    return;
  }
  const int64_t width = d / channels;
  for (int64_t c = 0; c < channels; ++c)
    decode_span(bytes + c * width, width, pixels.channel_shift[static_cast<std::size_t>(c)],
                pixels.channel_scale[static_cast<std::size_t>(c)], out + c * width);
}

}  // namespace

std::pair<int64_t, int64_t> shard_range(int64_t rows, int64_t rank, int64_t count) {
  const int64_t share = rows / count, extra = rows % count;
  const int64_t first = rank * share + std::min(rank, extra);
  return {first, first + share + (rank < extra ? 1 : 0)};
}

DataLoader::DataLoader(Dataset data, DataLoaderOptions options)
    : data_(std::move(data)),
      options_(std::move(options)),
      gen_(options_.seed),
      augment_gen_(options_.seed ^ kAugmentSeedSalt) {
  if (options_.batch_size <= 0)
    throw ValueError("DataLoader: batch_size must be positive, got " + std::to_string(options_.batch_size));
  if (options_.shard_count < 1 || options_.shard_rank < 0 || options_.shard_rank >= options_.shard_count)
    throw ValueError("DataLoader: shard " + std::to_string(options_.shard_rank) + " of " +
                     std::to_string(options_.shard_count) +
                     " does not exist; expected a shard count >= 1 and a rank in [0, count)");
  if (!data_.x.defined() || !data_.y.defined() || data_.x.dim() != 2 ||
      data_.y.dim() != (data_.is_multilabel() ? 2 : 1) || data_.x.size(0) != data_.y.size(0) ||
      !data_.x.is_contiguous() || !data_.y.is_contiguous())
    throw ShapeError(
        "DataLoader: the data set needs contiguous features (N, D) and labels (N) (or (N, L) with several "
        "labels), got " +
        (data_.x.defined() ? data_.x.shape().str() : std::string("undefined")) + " and " +
        (data_.y.defined() ? data_.y.shape().str() : std::string("undefined")));
  if (!options_.augment.empty()) image_shape_ = augmented_shape(data_);
  epoch_start_ = gen_.state();
  if (data_.pixels.describes(data_.x))
    pixel_rows_ = data_.pixels.bytes->data() +
                  (data_.pixels.first_row + data_.x.offset() / data_.num_features()) * data_.num_features();
}

int64_t DataLoader::batches_per_epoch() const {
  const int64_t n = data_.size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

void DataLoader::begin_epoch() {
  epoch_start_ = gen_.state();
  if (options_.shuffle) order_ = gen_.permutation(data_.size());
  ++epoch_;
  position_ = 0;
  in_epoch_ = true;
}

// The slot's tensor when it has the shape and no one else holds it (not the caller, not an
// autograd graph), else a fresh one in its place.
Tensor& DataLoader::buffer(Tensor& slot, const Shape& shape, DType dtype) {
  const bool reusable = slot.defined() && slot.shape() == shape && slot.impl_ptr().use_count() == 1 &&
                        slot.impl().storage.use_count() == 1;
  if (!reusable) slot = Tensor::empty(shape, dtype);
  return slot;
}

bool DataLoader::next(Batch& batch) {
  batch = Batch{};  // drop the caller's references first, so the buffers can be reused
  if (!in_epoch_) begin_epoch();
  const int64_t b = std::min(options_.batch_size, data_.size() - position_);
  if (b == 0 || (options_.drop_last && b < options_.batch_size)) {
    in_epoch_ = false;
    return false;
  }
  // This process's contiguous share of the batch (all of it without data parallelism).
  const auto [lo, hi] = shard_range(b, options_.shard_rank, options_.shard_count);
  const int64_t rows = hi - lo;
  if (!options_.shuffle && options_.augment.empty()) {
    batch.x = data_.x.narrow(0, position_ + lo, rows);
    batch.y = data_.y.narrow(0, position_ + lo, rows);
  } else {
    const bool full = b == options_.batch_size;
    Tensor& x = buffer(full ? x_full_ : x_tail_, Shape{rows, data_.num_features()}, data_.x.dtype());
    const Shape label_shape = data_.is_multilabel() ? Shape{rows, data_.num_labels} : Shape{rows};
    Tensor& y = buffer(full ? y_full_ : y_tail_, label_shape, data_.y.dtype());
    gather(lo, rows, b, x, y);
    batch.x = x;
    batch.y = y;
  }
  position_ += b;
  last_batch_rows_ = b;
  return true;
}

void DataLoader::gather(int64_t first, int64_t count, int64_t batch_rows, Tensor& x, Tensor& y) {
  const int64_t n = data_.size(), d = data_.num_features();
  const std::size_t xsize = dtype_size(data_.x.dtype());
  const std::size_t ysize =
      dtype_size(data_.y.dtype()) * static_cast<std::size_t>(std::max<int64_t>(1, data_.num_labels));
  const std::size_t row = static_cast<std::size_t>(d) * xsize;
  const char* xs = static_cast<const char*>(data_.x.impl().storage->data()) + data_.x.offset() * xsize;
  const char* ys =
      static_cast<const char*>(data_.y.impl().storage->data()) + data_.y.offset() * dtype_size(data_.y.dtype());
  char* xd = static_cast<char*>(x.impl().storage->data());
  char* yd = static_cast<char*>(y.impl().storage->data());
  const auto source = [&](int64_t i) {  // the data set's row of the epoch's i-th example
    return static_cast<std::size_t>(options_.shuffle ? order_[static_cast<std::size_t>(i)] : i);
  };
  for (int64_t i = 0; i < count; ++i) {
    const std::size_t src = source(position_ + first + i);
    if (pixel_rows_)
      decode_row(pixel_rows_ + src * static_cast<std::size_t>(d), d, data_.pixels,
                 reinterpret_cast<float*>(xd) + i * d);
    else
      std::memcpy(xd + static_cast<std::size_t>(i) * row, xs + src * row, row);
    std::memcpy(yd + static_cast<std::size_t>(i) * ysize, ys + src * ysize, ysize);
    if (!options_.augment.empty())
      augment_example(options_.augment, reinterpret_cast<float*>(xd) + i * d, image_shape_, augment_gen_, scratch_);
  }
  // Ask for the next batch's rows now, so they come from memory while this batch trains
  // (the rows are scattered over the data set, and a small batch's step is shorter than
  // the memory latency of a gather that starts cold).
  const int64_t next_begin = std::min(n, position_ + batch_rows + first);
  const int64_t next_end = std::min(n, next_begin + count);
  const char* base = pixel_rows_ ? reinterpret_cast<const char*>(pixel_rows_) : xs;
  const std::size_t stride = pixel_rows_ ? static_cast<std::size_t>(d) : row;
  for (int64_t i = next_begin; i < next_end; ++i) {
    const char* r = base + source(i) * stride;
    for (std::size_t off = 0; off < stride; off += 64) __builtin_prefetch(r + off);
  }
}

DataLoader::State DataLoader::state() const {
  return {.generator = in_epoch_ ? epoch_start_ : gen_.state(),
          .epoch = epoch_,
          .position = position_,
          .in_epoch = in_epoch_,
          .augment_generator = augment_gen_.state()};
}

void DataLoader::load_state(const State& s) {
  if (s.epoch < 0 || s.position < 0 || s.position > data_.size())
    throw ValueError("DataLoader::load_state: position " + std::to_string(s.position) + " in epoch " +
                     std::to_string(s.epoch) + " does not fit a data set of " + std::to_string(data_.size()) +
                     " examples (was the state saved for another data set?)");
  gen_.set_state(s.generator);
  epoch_start_ = s.generator;
  order_.clear();
  if (s.in_epoch && options_.shuffle) order_ = gen_.permutation(data_.size());  // the same draw as before
  epoch_ = s.epoch;
  position_ = s.position;
  in_epoch_ = s.in_epoch;
  if (s.augment_generator) augment_gen_.set_state(*s.augment_generator);
}

void to_json(nlohmann::json& j, const DataLoader::State& s) {
  j = nlohmann::json{{"generator", s.generator},
                     {"epoch", s.epoch},
                     {"position", s.position},
                     {"in_epoch", s.in_epoch}};
  if (s.augment_generator) j["augment_generator"] = *s.augment_generator;
}

void from_json(const nlohmann::json& j, DataLoader::State& s) {
  j.at("generator").get_to(s.generator);
  j.at("epoch").get_to(s.epoch);
  j.at("position").get_to(s.position);
  j.at("in_epoch").get_to(s.in_epoch);
  s.augment_generator.reset();
  if (j.contains("augment_generator")) s.augment_generator = j.at("augment_generator").get<Generator::State>();
}

}  // namespace descent
