// The global batch of a data-parallel step, for the layers whose result depends on more than
// their own rows: dropout draws its masks per example of the global batch, so they do not
// depend on the number of ranks, and batch norm under --sync-batch-norm takes its statistics
// over the whole batch (torch.nn.SyncBatchNorm). The data-parallel training step
// (train/distributed.hpp) sets it from the start of forward to the end of backward; one
// process never does, and its layers see only their own batch.
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "descent/core/rng.hpp"

namespace descent {

struct GlobalBatch {
  int64_t rows_before = 0;  // rows of the global batch held by the ranks before this one
  int64_t rows = 0;         // this rank's rows
  int64_t global_rows = 0;  // the whole batch's rows
  // Element-wise sum over the ranks, every rank getting the same bits; empty: batch norm
  // keeps per-rank statistics (DDP's default).
  std::function<void(std::span<double>)> sum_over_ranks;

  // The scale of the global loss's gradient relative to this rank's loss's (both means).
  double share() const { return static_cast<double>(rows) / static_cast<double>(global_rows); }
};

// The global batch of the step under way on this thread, or null.
const GlobalBatch* current_global_batch();

// Makes `batch` the current global batch for its lifetime.
class GlobalBatchScope {
 public:
  explicit GlobalBatchScope(GlobalBatch batch);
  ~GlobalBatchScope();
  GlobalBatchScope(const GlobalBatchScope&) = delete;
  GlobalBatchScope& operator=(const GlobalBatchScope&) = delete;

 private:
  GlobalBatch batch_;
  const GlobalBatch* previous_;
};

// The global batch's rows before and after an input of `rows` rows (both 0 outside a
// data-parallel step). Throws ShapeError naming `layer` when the input's rows are not the
// rank's share of the batch.
struct RowsAround {
  int64_t before = 0, after = 0;
};
RowsAround rows_around(int64_t rows, const std::string& layer);

// Advances `gen` past `count` uniform() draws (one 64-bit word each).
void skip_draws(Generator& gen, int64_t count);

}  // namespace descent
