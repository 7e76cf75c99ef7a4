// The pieces of data parallelism that need no mpirun: a batch's shares tile it, as evenly as
// possible; the shards of a loader, put together, are the one-process batches in order; a
// rank's dropout masks are one process's for its rows; and a world of one process leaves
// every collective's values as they are.
#include <gtest/gtest.h>

#include <vector>

#include "descent/data/loader.hpp"
#include "descent/dist/communicator.hpp"
#include "descent/nn/functional.hpp"
#include "descent/nn/global_batch.hpp"

namespace descent {
namespace {

TEST(ShardRange, SharesTileTheBatchAsEvenlyAsPossible) {
  for (int64_t rows : {0, 1, 7, 24, 25, 64})
    for (int64_t count : {1, 2, 3, 4}) {
      int64_t next = 0;
      for (int64_t rank = 0; rank < count; ++rank) {
        const auto [first, last] = shard_range(rows, rank, count);
        EXPECT_EQ(first, next);
        EXPECT_TRUE(last - first == rows / count || last - first == rows / count + 1);
        EXPECT_EQ(last - first, rows / count + (rank < rows % count ? 1 : 0));
        next = last;
      }
      EXPECT_EQ(next, rows);
    }
}

// Each rank's share of a global batch of 7 rows gets the masks one process draws for those
// rows, and its generator ends each call in one process's state.
TEST(GlobalBatch, DropoutDrawsTheOneProcessMasksOfTheRanksRows) {
  constexpr int64_t kRows = 7, kFeatures = 5;
  Generator one(11);
  const Tensor whole = dropout(Tensor::ones(Shape{kRows, kFeatures}, DType::f64), 0.4, true, &one);
  for (const int64_t ranks : {2, 3})
    for (int64_t rank = 0; rank < ranks; ++rank) {
      const auto [first, last] = shard_range(kRows, rank, ranks);
      Generator gen(11);
      const GlobalBatchScope scope(
          GlobalBatch{.rows_before = first, .rows = last - first, .global_rows = kRows, .sum_over_ranks = {}});
      const Tensor part = dropout(Tensor::ones(Shape{last - first, kFeatures}, DType::f64), 0.4, true, &gen);
      EXPECT_EQ(gen.state(), one.state());
      for (int64_t i = 0; i < (last - first) * kFeatures; ++i)
        EXPECT_EQ(part.data<double>()[i], whole.data<double>()[first * kFeatures + i]) << "rank " << rank;
    }
  EXPECT_EQ(current_global_batch(), nullptr);
}

TEST(GlobalBatch, AnInputThatIsNotTheRanksShareIsRefused) {
  const GlobalBatchScope scope(GlobalBatch{.rows_before = 0, .rows = 3, .global_rows = 6, .sum_over_ranks = {}});
  EXPECT_THROW(dropout(Tensor::ones(Shape{4, 2}), 0.5, true), ShapeError);
}

Dataset counting_rows(int64_t n) {
  std::vector<float> x, y;
  for (int64_t i = 0; i < n; ++i) {
    x.push_back(static_cast<float>(i));
    x.push_back(static_cast<float>(-i));
    y.push_back(static_cast<float>(i % 3));
  }
  return make_dataset(x, y, 2, 3);
}

TEST(ShardedLoader, ShardsTogetherAreTheWholeBatchesInOrder) {
  const Dataset data = counting_rows(53);
  for (bool shuffle : {true, false}) {
    const DataLoaderOptions whole_options{.batch_size = 8, .shuffle = shuffle, .seed = 4};
    DataLoader whole(data, whole_options);
    std::vector<DataLoader> shards;
    for (int64_t rank = 0; rank < 3; ++rank) {
      DataLoaderOptions options = whole_options;
      options.shard_rank = rank;
      options.shard_count = 3;
      shards.emplace_back(data, options);
    }
    for (int epoch = 0; epoch < 2; ++epoch) {
      Batch batch;
      while (whole.next(batch)) {
        std::vector<float> joined;
        for (DataLoader& shard : shards) {
          Batch part;
          ASSERT_TRUE(shard.next(part));
          EXPECT_EQ(shard.last_batch_rows(), batch.x.size(0));
          const Tensor x = part.x.contiguous();
          joined.insert(joined.end(), x.data<float>(), x.data<float>() + x.numel());
        }
        const Tensor x = batch.x.contiguous();
        EXPECT_EQ(joined, std::vector<float>(x.data<float>(), x.data<float>() + x.numel()));
        EXPECT_EQ(shards[0].position(), whole.position());
      }
      for (DataLoader& shard : shards) {
        Batch part;
        EXPECT_FALSE(shard.next(part));
      }
    }
  }
}

TEST(Communicator, AWorldOfOneLeavesValuesAsTheyAre) {
  dist::Communicator& world = dist::Communicator::world();
  EXPECT_EQ(world.size(), 1);
  EXPECT_TRUE(world.is_root());
  std::vector<double> values = {1.5, -2};
  world.all_reduce_sum(values);
  EXPECT_EQ(values, (std::vector<double>{1.5, -2}));
  EXPECT_NO_THROW(world.require_same(7, "the configuration"));
  EXPECT_NO_THROW(world.agree(std::nullopt));
  EXPECT_THROW(world.agree(std::string("cannot read data")), dist::CollectiveError);
}

}  // namespace
}  // namespace descent
