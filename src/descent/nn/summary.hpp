// A model's layers with their output shapes, parameters and multiply-adds, as Keras's
// model.summary() and torchinfo's summary() print them.
#pragma once
#include <string>
#include <vector>

#include "descent/nn/layers.hpp"

namespace descent {

struct LayerSummary {
  std::string name;  // the layer's name in the model ("3")
  std::string type;  // "Conv2d"
  Shape output;      // one example's output shape (without the batch dim)
  int64_t parameters = 0;
  int64_t macs = 0;  // multiply-adds per example: convolutions and fully connected layers
};

struct ModelSummary {
  std::vector<LayerSummary> layers;
  int64_t parameters = 0;
  int64_t macs = 0;
};

// Runs one zero example of `item_shape` through the model in evaluation mode without gradients
// (running statistics and generators untouched) and records each layer of the Sequential. The
// model is left in the mode it was in.
ModelSummary summarize(Sequential& model, const Shape& item_shape);

// "lenet5: 61,706 parameters, 416,520 multiply-adds per example".
std::string summary_line(const std::string& model_name, const ModelSummary& summary);
// The table, one layer a line, and the totals.
std::string summary_table(const std::string& model_name, const ModelSummary& summary);

}  // namespace descent
