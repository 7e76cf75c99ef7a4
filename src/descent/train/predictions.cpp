// Predictions as CSV rows, one per example (see predictions.hpp for the columns).
#include "descent/train/predictions.hpp"

#include <charconv>

#include "descent/ops/ops.hpp"
#include "descent/train/classification_metrics.hpp"
#include "descent/train/model_outputs.hpp"

namespace descent {
namespace {

// The shortest text that reads back as `value` (float or double).
template <class T>
void append_number(std::string& line, T value) {
  char text[32];
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;
  line.append(text, end);
}

// ",v0,v1,..." for row `row` of a contiguous (B, C) tensor, in its own precision.
void append_row(std::string& line, const Tensor& values, int64_t row) {
  const int64_t columns = values.numel() / std::max<int64_t>(1, values.size(0));
  dispatch(values.dtype(), [&]<class T>() {
    const T* data = values.data<T>() + row * columns;
    for (int64_t c = 0; c < columns; ++c) {
      line += ',';
      append_number(line, data[c]);
    }
  });
}

void append_columns(std::string& header, const std::string& prefix, int64_t count) {
  for (int64_t c = 0; c < count; ++c) {
    header += ',';
    header += prefix;
    header += std::to_string(c);
  }
}

// Which outputs are above 0: a multi-label logit read as label 1 (sigmoid above 0.5), as the
// multi-label accuracy counts it.
std::vector<bool> positive(const Tensor& logits) {
  const Tensor values = logits.detach().contiguous();
  std::vector<bool> above(static_cast<std::size_t>(values.numel()));
  dispatch(values.dtype(), [&]<class T>() {
    for (std::size_t i = 0; i < above.size(); ++i) above[i] = values.data<T>()[i] > 0;
  });
  return above;
}

// One batch's lines for each task.
std::string classification_lines(const Dataset& batch, int64_t first_row, const Tensor& output) {
  const std::vector<int64_t> labels = class_indices(batch.y), predicted = predicted_classes(output);
  const Tensor probabilities = softmax(output, 1).contiguous();
  std::string lines;
  for (int64_t i = 0; i < batch.size(); ++i) {
    lines += std::to_string(first_row + i) + "," + std::to_string(labels[i]) + "," + std::to_string(predicted[i]);
    append_row(lines, probabilities, i);
    lines += '\n';
  }
  return lines;
}

std::string regression_lines(const Dataset& batch, int64_t first_row, const Tensor& output) {
  const Tensor targets = batch.y.reshape({batch.size(), -1}).to(output.dtype()).contiguous();
  const Tensor values = output.detach().contiguous();
  std::string lines;
  for (int64_t i = 0; i < batch.size(); ++i) {
    lines += std::to_string(first_row + i);
    append_row(lines, targets, i);
    append_row(lines, values, i);
    lines += '\n';
  }
  return lines;
}

std::string multilabel_lines(const Dataset& batch, int64_t first_row, const Tensor& output) {
  const std::vector<int64_t> labels = class_indices(batch.y);
  const Tensor probabilities = sigmoid(output.detach()).contiguous();
  const std::vector<bool> decisions = positive(output);
  const auto num_labels = static_cast<std::size_t>(batch.num_labels);
  std::string lines;
  for (int64_t i = 0; i < batch.size(); ++i) {
    const std::size_t row = static_cast<std::size_t>(i) * num_labels;
    lines += std::to_string(first_row + i);
    for (std::size_t l = 0; l < num_labels; ++l) {
      lines += ',';
      lines += std::to_string(labels[row + l]);
    }
    append_row(lines, probabilities, i);
    for (std::size_t l = 0; l < num_labels; ++l) lines += decisions[row + l] ? ",1" : ",0";
    lines += '\n';
  }
  return lines;
}

}  // namespace

std::string predictions_header(const Dataset& data, const std::vector<std::string>& class_names) {
  std::string header = "index";
  if (data.is_classification()) {
    header += ",label,predicted";
    for (const std::string& name : class_names) {
      header += ",prob_";
      header += name;
    }
  } else if (data.is_multilabel()) {
    append_columns(header, "label_", data.num_labels);
    append_columns(header, "prob_", data.num_labels);
    append_columns(header, "predicted_", data.num_labels);
  } else {
    header += ",target,predicted";
  }
  return header + "\n";
}

void write_predictions(Module& model, const Dataset& data, const std::vector<std::string>& class_names,
                       int64_t batch_size, const std::function<void(std::string_view)>& write) {
  write(predictions_header(data, class_names));
  for_each_output(model, data, batch_size, [&](const Dataset& batch, int64_t first_row, const Tensor& output) {
    if (data.is_classification())
      write(classification_lines(batch, first_row, output));
    else if (data.is_multilabel())
      write(multilabel_lines(batch, first_row, output));
    else
      write(regression_lines(batch, first_row, output));
  });
}

}  // namespace descent
