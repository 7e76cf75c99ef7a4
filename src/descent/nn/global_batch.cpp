// The current global batch: one per thread, set by GlobalBatchScope.
#include "descent/nn/global_batch.hpp"

#include "descent/core/error.hpp"

namespace descent {

namespace {
thread_local const GlobalBatch* current = nullptr;
}  // namespace

const GlobalBatch* current_global_batch() { return current; }

GlobalBatchScope::GlobalBatchScope(GlobalBatch batch) : batch_(std::move(batch)), previous_(current) {
  current = &batch_;
}

GlobalBatchScope::~GlobalBatchScope() { current = previous_; }

RowsAround rows_around(int64_t rows, const std::string& layer) {
  const GlobalBatch* batch = current_global_batch();
  if (batch == nullptr) return {};
  if (rows != batch->rows)
    throw ShapeError(layer + " under data-parallel training: the input has " + std::to_string(rows) +
                     " rows but this rank's share of the batch has " + std::to_string(batch->rows) +
                     "; the batch must be the first dim");
  return {.before = batch->rows_before, .after = batch->global_rows - batch->rows_before - batch->rows};
}

void skip_draws(Generator& gen, int64_t count) {
  for (int64_t i = 0; i < count; ++i) gen.next_u64();
}

}  // namespace descent
