// DataLoader: permutations per epoch, determinism, drop_last, views, buffer reuse, and exact
// resume from a saved position.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <numeric>
#include <vector>

#include "descent/core/error.hpp"
#include "descent/data/loader.hpp"

using namespace descent;

namespace {

// Example i has features (i, -i) and label i, so a batch names the examples it holds.
Dataset indexed(int64_t n) {
  std::vector<float> x, y;
  for (int64_t i = 0; i < n; ++i) {
    x.push_back(static_cast<float>(i));
    x.push_back(static_cast<float>(-i));
    y.push_back(static_cast<float>(i));
  }
  return make_dataset(std::move(x), std::move(y), 2, 0);
}

std::vector<int64_t> ids(const Batch& b) {
  std::vector<int64_t> out;
  for (double v : b.y.to_vector()) out.push_back(static_cast<int64_t>(v));
  for (int64_t i = 0; i < b.x.size(0); ++i)
    EXPECT_EQ(b.x.at({i, 0}), static_cast<double>(out[static_cast<std::size_t>(i)]));
  return out;
}

// The examples of one epoch, batch by batch.
std::vector<std::vector<int64_t>> epoch(DataLoader& loader) {
  std::vector<std::vector<int64_t>> batches;
  for (const Batch& b : loader) batches.push_back(ids(b));
  return batches;
}

std::vector<int64_t> flat(const std::vector<std::vector<int64_t>>& batches) {
  std::vector<int64_t> out;
  for (const auto& b : batches) out.insert(out.end(), b.begin(), b.end());
  return out;
}

}  // namespace

TEST(DataLoader, EachEpochIsAPermutationAndEpochsDiffer) {
  DataLoader loader(indexed(103), {.batch_size = 10, .shuffle = true, .seed = 1});
  EXPECT_EQ(loader.batches_per_epoch(), 11);
  std::vector<int64_t> previous;
  for (int e = 0; e < 3; ++e) {
    const auto batches = epoch(loader);
    ASSERT_EQ(batches.size(), 11u);
    EXPECT_EQ(batches.back().size(), 3u);
    std::vector<int64_t> seen = flat(batches);
    EXPECT_NE(seen, previous);
    previous = seen;
    std::sort(seen.begin(), seen.end());
    std::vector<int64_t> all(103);
    std::iota(all.begin(), all.end(), 0);
    EXPECT_EQ(seen, all);
  }
  EXPECT_EQ(loader.epoch(), 3);
}

TEST(DataLoader, DeterministicForASeed) {
  DataLoader a(indexed(50), {.batch_size = 8, .seed = 42});
  DataLoader b(indexed(50), {.batch_size = 8, .seed = 42});
  DataLoader c(indexed(50), {.batch_size = 8, .seed = 43});
  for (int e = 0; e < 2; ++e) {
    const auto ea = epoch(a);
    EXPECT_EQ(ea, epoch(b));
    EXPECT_NE(ea, epoch(c));
  }
}

TEST(DataLoader, DropLastSkipsTheShortBatch) {
  DataLoader loader(indexed(25), {.batch_size = 10, .drop_last = true, .seed = 3});
  EXPECT_EQ(loader.batches_per_epoch(), 2);
  for (int e = 0; e < 2; ++e) {
    const auto batches = epoch(loader);
    ASSERT_EQ(batches.size(), 2u);
    for (const auto& b : batches) EXPECT_EQ(b.size(), 10u);
  }
}

TEST(DataLoader, WithoutShuffleBatchesAreViewsInOrder) {
  const Dataset d = indexed(7);
  DataLoader loader(d, {.batch_size = 3, .shuffle = false});
  Batch b;
  ASSERT_TRUE(loader.next(b));
  EXPECT_TRUE(b.x.shares_storage(d.x));
  EXPECT_EQ(ids(b), (std::vector<int64_t>{0, 1, 2}));
  ASSERT_TRUE(loader.next(b));
  ASSERT_TRUE(loader.next(b));
  EXPECT_EQ(ids(b), (std::vector<int64_t>{6}));
  EXPECT_FALSE(loader.next(b));
  ASSERT_TRUE(loader.next(b));  // a new epoch
  EXPECT_EQ(ids(b), (std::vector<int64_t>{0, 1, 2}));
}

TEST(DataLoader, ReusesABufferOnlyWhenNoOneHoldsIt) {
  DataLoader loader(indexed(40), {.batch_size = 4, .seed = 5});
  Batch b;
  ASSERT_TRUE(loader.next(b));
  const float* first = b.x.data<float>();
  ASSERT_TRUE(loader.next(b));
  EXPECT_EQ(b.x.data<float>(), first);  // released by next(): the same memory again

  Batch held = b;  // someone keeps this batch: it must not change under them
  const std::vector<double> before = held.x.to_vector();
  ASSERT_TRUE(loader.next(b));
  EXPECT_NE(b.x.data<float>(), held.x.data<float>());
  EXPECT_EQ(held.x.to_vector(), before);
}

TEST(DataLoader, ResumeFromASavedPositionGivesTheSameBatches) {
  const Dataset d = indexed(57);
  const DataLoaderOptions opts{.batch_size = 5, .seed = 11};
  for (int stop : {0, 3, 12, 13, 30}) {  // batches taken before saving: start, mid-epoch, epoch end, later
    DataLoader original(d, opts);
    Batch b;
    for (int i = 0; i < stop; ++i)
      if (!original.next(b)) ASSERT_TRUE(original.next(b));
    // Through JSON, as a checkpoint stores it.
    const nlohmann::json saved = original.state();
    std::vector<std::vector<int64_t>> expected, resumed_batches;
    for (int i = 0; i < 40; ++i) expected.push_back(original.next(b) ? ids(b) : std::vector<int64_t>{-1});

    DataLoader resumed(d, opts);
    resumed.load_state(saved.get<DataLoader::State>());
    for (int i = 0; i < 40; ++i) resumed_batches.push_back(resumed.next(b) ? ids(b) : std::vector<int64_t>{-1});
    EXPECT_EQ(resumed_batches, expected) << "after " << stop << " batches";
    EXPECT_EQ(resumed.state(), original.state());
  }
}

TEST(DataLoader, BadOptionsAndStates) {
  EXPECT_NE(
      [] {
        try {
          DataLoader(indexed(3), {.batch_size = 0});
        } catch (const ValueError& e) {
          return std::string(e.what());
        }
        return std::string();
      }()
          .find("batch_size must be positive, got 0"),
      std::string::npos);
  DataLoader loader(indexed(3), {.batch_size = 2});
  EXPECT_THROW(loader.load_state({.generator = {}, .epoch = 1, .position = 4, .in_epoch = true}), ValueError);
}

TEST(DataLoader, GathersFloat64RowsToo) {
  Dataset d{.x = Tensor::from_data({0, 0.5, 1, 1.5, 2, 2.5}, Shape{3, 2}, DType::f64),  // row i: (i, i + 0.5)
            .y = Tensor::from_data({0, 1, 2}, Shape{3}, DType::i64),
            .num_classes = 3,
            .item_shape = Shape{2}};
  DataLoader loader(d, {.batch_size = 2, .seed = 9});
  std::vector<double> labels;
  for (const Batch& b : loader) {
    EXPECT_EQ(b.x.dtype(), DType::f64);
    EXPECT_EQ(b.x.size(1), 2);
    for (int64_t i = 0; i < b.x.size(0); ++i) {
      EXPECT_EQ(b.x.at({i, 1}), b.y.at({i}) + 0.5);
      labels.push_back(b.y.at({i}));
    }
  }
  std::sort(labels.begin(), labels.end());
  EXPECT_EQ(labels, (std::vector<double>{0, 1, 2}));
}
