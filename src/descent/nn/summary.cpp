// Model summary: shapes from one forward pass, multiply-adds from each layer's arithmetic.
#include "descent/nn/summary.hpp"

#include <iomanip>
#include <sstream>

#include "descent/nn/conv.hpp"
#include "descent/nn/residual.hpp"
#include "descent/tensor/grad_mode.hpp"

namespace descent {

namespace {

// Multiply-adds of one example through `layer`, given its output shape (no batch dim): a
// convolution does (C_in / groups) kh kw of them per output value, a linear layer in_features.
// A BasicBlock's two convolutions (and a projection shortcut) all produce maps of its output's size.
int64_t layer_macs(const Module& layer, const Shape& output) {
  const int64_t outputs = output.numel();
  if (const auto* conv = dynamic_cast<const Conv2d*>(&layer))
    return outputs * conv->in_channels / conv->options.groups * conv->kernel_size.h * conv->kernel_size.w;
  if (const auto* linear = dynamic_cast<const Linear*>(&layer)) return outputs * linear->in_features;
  if (const auto* block = dynamic_cast<const BasicBlock*>(&layer)) {
    const int64_t projection = block->shortcut && block->shortcut_type == Shortcut::B ? block->in_planes : 0;
    return outputs * (9 * block->in_planes + 9 * block->planes + projection);
  }
  return 0;
}

// 1234567 -> "1,234,567"
std::string grouped(int64_t value) {
  std::string digits = std::to_string(value);
  for (int pos = static_cast<int>(digits.size()) - 3; pos > 0; pos -= 3)
    digits.insert(static_cast<std::size_t>(pos), ",");
  return digits;
}

std::string shape_text(const Shape& shape) {
  std::string text = "(";
  for (int i = 0; i < shape.rank(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + (shape.rank() == 1 ? ",)" : ")");
}

}  // namespace

ModelSummary summarize(Sequential& model, const Shape& item_shape) {
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard no_grad;
  const DType dtype = model.parameters().empty() ? DType::f32 : model.parameters().front().dtype();
  Tensor x = Tensor::zeros(Shape{1, item_shape.numel()}, dtype);
  ModelSummary summary;
  for (const auto& [name, layer] : model.children()) {
    x = layer->forward(x);
    Shape output;
    for (int d = 1; d < x.dim(); ++d) output.push_back(x.size(d));
    const LayerSummary row{.name = name,
                           .type = layer->name(),
                           .output = output,
                           .parameters = layer->num_parameters(),
                           .macs = layer_macs(*layer, output)};
    summary.parameters += row.parameters;
    summary.macs += row.macs;
    summary.layers.push_back(row);
  }
  model.train(was_training);
  return summary;
}

std::string summary_line(const std::string& model_name, const ModelSummary& summary) {
  return model_name + ": " + grouped(summary.parameters) + " parameters, " + grouped(summary.macs) +
         " multiply-adds per example";
}

std::string summary_table(const std::string& model_name, const ModelSummary& summary) {
  std::ostringstream out;
  out << std::left << std::setw(24) << "Layer (type)" << std::setw(20) << "Output shape" << std::right << std::setw(12)
      << "Param #" << std::setw(16) << "Mult-adds"
      << "\n"
      << std::string(72, '=') << "\n";
  for (const LayerSummary& layer : summary.layers)
    out << std::left << std::setw(24) << (layer.name + " (" + layer.type + ")") << std::setw(20)
        << shape_text(layer.output) << std::right << std::setw(12) << grouped(layer.parameters) << std::setw(16)
        << grouped(layer.macs) << "\n";
  out << std::string(72, '=') << "\n" << summary_line(model_name, summary) << "\n";
  return out.str();
}

}  // namespace descent
