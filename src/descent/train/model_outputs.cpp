// Inference over a data set in batches (torch.no_grad() with model.eval()).
#include "descent/train/model_outputs.hpp"

#include <algorithm>
#include <string>

#include "descent/core/error.hpp"
#include "descent/tensor/grad_mode.hpp"

namespace descent {

void for_each_output(Module& model, const Dataset& data, int64_t batch_size, const OutputsVisitor& visit) {
  if (batch_size < 1) throw ValueError("--batch-size must be positive, got " + std::to_string(batch_size));
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  try {
    for (int64_t begin = 0; begin < data.size(); begin += batch_size) {
      const Dataset batch = data.rows(begin, std::min(data.size(), begin + batch_size));
      visit(batch, begin, model(batch.x));
    }
  } catch (...) {
    model.train(was_training);
    throw;
  }
  model.train(was_training);
}

}  // namespace descent
