// A trained model's outputs over a data set, batch by batch, as an inference loop runs it under
// torch.no_grad() with model.eval(): what `descent predict` writes and the per-class metrics of
// `descent eval` count.
#pragma once
#include <cstdint>
#include <functional>

#include "descent/data/dataset.hpp"
#include "descent/nn/module.hpp"

namespace descent {

// `batch` holds rows [first_row, first_row + batch.size()) of the data set; `outputs` is the
// model's (B, outputs) answer for them.
using OutputsVisitor = std::function<void(const Dataset& batch, int64_t first_row, const Tensor& outputs)>;

// Runs the model over `data` in order, batch_size rows at a time, in evaluation mode without a
// graph, and hands each batch's outputs to `visit`; the model's mode is restored afterwards.
// Throws ValueError for a batch size below 1.
void for_each_output(Module& model, const Dataset& data, int64_t batch_size, const OutputsVisitor& visit);

}  // namespace descent
