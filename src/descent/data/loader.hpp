// DataLoader: minibatches of a Dataset, shuffled without replacement each epoch (shuffle the
// training set, then loop over the new order, as torch.utils.data.DataLoader(shuffle=True);
// Nagaraj, Jain & Netrapalli 2019, "SGD without replacement") from the loader's own seeded
// Generator. Its position can be saved and restored so a resumed run sees exactly the batches
// an uninterrupted one would. Image examples can be
// augmented as they are gathered (data/augment.hpp), from a second generator of its own.
//
//   DataLoader loader(train, {.batch_size = 64, .shuffle = true, .seed = 1});
//   for (int epoch = 0; epoch < epochs; ++epoch)
//     for (const Batch& b : loader) { ... b.x (B, D), b.y (B) ... }
#pragma once
#include <cstdint>
#include <iterator>
#include <nlohmann/json_fwd.hpp>
#include <vector>

#include <optional>
#include <utility>

#include "descent/core/rng.hpp"
#include "descent/data/augment.hpp"
#include "descent/data/dataset.hpp"

namespace descent {

struct DataLoaderOptions {
  int64_t batch_size = 64;
  bool shuffle = true;
  bool drop_last = false;  // skip an epoch's last, incomplete batch
  uint64_t seed = 0;       // seeds the loader's own Generator (and, mixed with kAugmentSeedSalt, the augmentation's)
  // Applied in order to each example of each batch; the examples must be images: item_shape
  // (C, H, W), or (H, W) as one channel.
  std::vector<Augmentation> augment{};
  // Data parallelism (PyTorch's DistributedSampler, by contiguous shares): this rank takes rows
  // [lo, hi) of every batch, the batch split over shard_count ranks as evenly as possible (the
  // first batch_size % shard_count ranks one row more); order, batches and position stay global.
  int64_t shard_rank = 0;
  int64_t shard_count = 1;
};

// The augmentation generator starts from seed ^ kAugmentSeedSalt, so that adding augmentation
// leaves the shuffling (and the batches' order) of a seed as it was.
inline constexpr uint64_t kAugmentSeedSalt = 0xa0c3e47ULL;

// This shard's rows [first, second) of a batch of `rows` split over `count` ranks.
std::pair<int64_t, int64_t> shard_range(int64_t rows, int64_t rank, int64_t count);

struct Batch {
  Tensor x;  // (B, D) features: a view of the dataset without shuffling or augmentation, else a gathered
             // copy (of 8-bit images, converted from their bytes: the same values, a quarter of the reading)
  Tensor y;  // (B) labels, or (B, L) with several labels per example
};

class DataLoader {
 public:
  DataLoader(Dataset data, DataLoaderOptions options);

  // Sets `batch` to the next minibatch of the current epoch and returns true; at the end of
  // the epoch returns false, and the following call begins a new epoch (a new permutation).
  // A batch's tensors stay valid while held; the loader reuses their memory only once no one
  // else refers to them.
  bool next(Batch& batch);

  // Range-for over the rest of the current epoch (a new one if none is under way).
  class Iterator {
   public:
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    Iterator() = default;
    explicit Iterator(DataLoader* loader) : loader_(loader) { ++*this; }
    const Batch& operator*() const { return batch_; }
    const Batch* operator->() const { return &batch_; }
    Iterator& operator++() {
      done_ = !loader_->next(batch_);
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(std::default_sentinel_t) const { return done_; }

   private:
    DataLoader* loader_ = nullptr;
    Batch batch_;
    bool done_ = true;
  };
  Iterator begin() { return Iterator(this); }
  std::default_sentinel_t end() { return {}; }

  int64_t batches_per_epoch() const;                            // len(loader) in PyTorch
  int64_t epoch() const { return epoch_; }                      // epochs begun so far
  int64_t position() const { return position_; }                // examples of the current epoch already yielded
  int64_t last_batch_rows() const { return last_batch_rows_; }  // the last batch's rows over all shards
  const Dataset& dataset() const { return data_; }
  const DataLoaderOptions& options() const { return options_; }

  // Everything needed to continue with the same batches: the generator as it was before this
  // epoch's permutation was drawn (the permutation is drawn again from it on restore), the
  // epoch count, and the position within the epoch.
  struct State {
    Generator::State generator{};
    int64_t epoch = 0;
    int64_t position = 0;
    bool in_epoch = false;  // an epoch is under way (its permutation has been drawn)
    // The augmentation generator as it is now (after the batches yielded); absent in states
    // saved before augmentation existed, and then left as it is on restore.
    std::optional<Generator::State> augment_generator;
    friend bool operator==(const State&, const State&) = default;
  };
  State state() const;
  // Restores a state saved from a loader over a data set of the same size.
  void load_state(const State& state);

 private:
  void begin_epoch();
  // Rows [first, first + count) of the batch of batch_rows at the current position.
  void gather(int64_t first, int64_t count, int64_t batch_rows, Tensor& x, Tensor& y);
  Tensor& buffer(Tensor& slot, const Shape& shape, DType dtype);

  Dataset data_;
  DataLoaderOptions options_;
  Generator gen_;
  Generator augment_gen_;
  ImageShape image_shape_{};        // (C, H, W) of an example when augmenting
  std::vector<float> scratch_;      // one example, for a crop
  Generator::State epoch_start_{};  // gen_ before this epoch's permutation
  std::vector<int64_t> order_;      // (N) this epoch's permutation
  int64_t epoch_ = 0;
  int64_t position_ = 0;
  int64_t last_batch_rows_ = 0;
  bool in_epoch_ = false;
  Tensor x_full_, y_full_, x_tail_, y_tail_;  // gather buffers: full batches, the last short one
  const uint8_t* pixel_rows_ = nullptr;       // the bytes of x's row 0 when data_.pixels describes x
};

// JSON form of a loader's state for checkpoints: {"generator": [4 words], "epoch", "position",
// "in_epoch", "augment_generator": [4 words]}; a missing "augment_generator" is read as absent.
void to_json(nlohmann::json& j, const DataLoader::State& s);
void from_json(const nlohmann::json& j, DataLoader::State& s);

}  // namespace descent
