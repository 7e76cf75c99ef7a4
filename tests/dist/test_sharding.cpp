// The pieces of data parallelism that need no mpirun: a batch's shares tile it, as evenly as
// possible; the shards of a loader, put together, are the one-process batches in order; a
// rank's dropout masks are one process's for its rows; batch_norm and batch_norm_relu over
// replicas (two threads standing in for two ranks) are the whole batch's; and a world of one process leaves every
// collective's values as they are.
#include <gtest/gtest.h>

#include <array>
#include <barrier>
#include <cmath>
#include <span>
#include <thread>
#include <vector>

#include "descent/data/loader.hpp"
#include "descent/dist/communicator.hpp"
#include "descent/nn/functional.hpp"
#include "descent/nn/global_batch.hpp"
#include "descent/ops/conv.hpp"
#include "descent/ops/ops.hpp"

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

// Two replicas adding their sums through memory, in rank order as dist::Communicator does.
class TwoReplicas {
 public:
  void sum(int rank, std::span<double> values) {
    parts_[static_cast<std::size_t>(rank)].assign(values.begin(), values.end());
    meet_.arrive_and_wait();
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = parts_[0][i] + parts_[1][i];
    meet_.arrive_and_wait();  // both have read the parts before either writes new ones
  }

 private:
  std::barrier<> meet_{2};
  std::array<std::vector<double>, 2> parts_;
};

// One replica's (or the whole batch's) batch_norm step on rows [first, last) of x (N, 3, 2, 2),
// or batch_norm_relu's with a residual of x's size: the loss is the mean over its rows of
// sum(y * probe), as a rank's training loss is.
struct NormStep {
  Tensor x, weight, y, running_mean, running_var;
};
NormStep norm_step(const std::vector<double>& x, int64_t first, int64_t last, const ReplicaSum* replicas, bool fused) {
  constexpr int64_t kPerRow = 12;
  const std::span<const double> rows(x.data() + first * kPerRow, static_cast<std::size_t>((last - first) * kPerRow));
  NormStep step{.x = Tensor::from_data(rows, Shape{last - first, 3, 2, 2}, DType::f64),
                .weight = Tensor::from_data({0.5, 1.5, -1.0}, Shape{3}, DType::f64),
                .y = {},
                .running_mean = Tensor::zeros(Shape{3}, DType::f64),
                .running_var = Tensor::ones(Shape{3}, DType::f64)};
  step.x.requires_grad_();
  step.weight.requires_grad_();
  const Tensor bias = Tensor::from_data({0.1, 0.0, -0.2}, Shape{3}, DType::f64);
  std::vector<double> probe(rows.size()), residual(rows.size());
  for (std::size_t i = 0; i < probe.size(); ++i) {
    probe[i] = std::cos(0.7 * static_cast<double>(first * kPerRow + i));
    residual[i] = std::sin(1.3 * static_cast<double>(first * kPerRow + i));
  }
  step.y =
      fused ? batch_norm_relu(step.x, Tensor::from_data(std::span<const double>(residual), step.x.shape(), DType::f64),
                              step.running_mean, step.running_var, step.weight, bias, true, 0.1, 1e-5, replicas)
            : batch_norm(step.x, step.running_mean, step.running_var, step.weight, bias, true, 0.1, 1e-5, replicas);
  const Tensor weights = Tensor::from_data(std::span<const double>(probe), step.x.shape(), DType::f64);
  mul(sum(mul(step.y, weights)), 1.0 / static_cast<double>(last - first)).backward();
  return step;
}

void expect_near(const Tensor& part, const Tensor& whole, int64_t offset, double scale) {
  const std::vector<double> a = part.to_vector(), b = whole.to_vector();
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i] * scale, b[static_cast<std::size_t>(offset) + i], 1e-12) << "element " << i;
}

void expect_replicas_make_the_whole_batch(bool fused) {
  std::vector<double> x(std::size_t{6} * 12);  // 6 rows of (3, 2, 2)
  for (std::size_t i = 0; i < x.size(); ++i)
    x[i] = std::sin(0.37 * static_cast<double>(i)) * (1.0 + 0.1 * static_cast<double>(i % 5));
  const NormStep whole = norm_step(x, 0, 6, nullptr, fused);
  TwoReplicas replicas;
  std::array<NormStep, 2> parts;
  const std::array<int64_t, 3> bounds = {0, 4, 6};
  auto replica = [&](int rank) {
    const int64_t first = bounds[static_cast<std::size_t>(rank)], last = bounds[static_cast<std::size_t>(rank) + 1];
    const ReplicaSum sum{.sum = [&replicas, rank](std::span<double> values) { replicas.sum(rank, values); },
                         .share = static_cast<double>(last - first) / 6.0};
    parts[static_cast<std::size_t>(rank)] = norm_step(x, first, last, &sum, fused);
  };
  std::thread other(replica, 1);
  replica(0);
  other.join();
  std::vector<double> weight_grad(3, 0.0);
  for (int rank = 0; rank < 2; ++rank) {
    const NormStep& part = parts[static_cast<std::size_t>(rank)];
    const int64_t first = bounds[static_cast<std::size_t>(rank)];
    const double share = static_cast<double>(bounds[static_cast<std::size_t>(rank) + 1] - first) / 6.0;
    expect_near(part.y, whole.y, first * 12, 1.0);
    expect_near(part.x.grad(), whole.x.grad(), first * 12, share);
    expect_near(part.running_mean, whole.running_mean, 0, 1.0);
    expect_near(part.running_var, whole.running_var, 0, 1.0);
    const std::vector<double> g = part.weight.grad().to_vector();
    for (std::size_t c = 0; c < 3; ++c) weight_grad[c] += share * g[c];
  }
  expect_near(Tensor::from_data(std::span<const double>(weight_grad), Shape{3}, DType::f64), whole.weight.grad(), 0,
              1.0);
}

// Rows [0, 4) and [4, 6) of a batch of 6: each replica's output, running statistics and
// gradients (scaled by its share) are the whole batch's (torch.nn.SyncBatchNorm), for
// batch_norm and batch_norm_relu.
TEST(ReplicaSum, BatchNormOverReplicasIsTheWholeBatchs) {
  for (bool fused : {false, true}) {
    SCOPED_TRACE(fused ? "batch_norm_relu" : "batch_norm");
    expect_replicas_make_the_whole_batch(fused);
  }
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
