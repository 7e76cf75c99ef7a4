// A model's prediction for every example of a data set, as CSV rows: what `descent predict`
// writes. Classification: the predicted class (torch.argmax) and the softmax probabilities;
// regression: the predicted value; multi-label: each label's sigmoid probability and its 0/1
// prediction at 0.5 (a logit above 0, as the multi-label accuracy counts it).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "descent/data/dataset.hpp"
#include "descent/nn/module.hpp"

namespace descent {

// The CSV header line (with its newline) for `data`'s task:
//   classification  index,label,predicted,prob_NAME...  (one per class, named by class_names)
//   regression      index,target,predicted
//   multi-label     index,label_0,...,prob_0,...,predicted_0,...
std::string predictions_header(const Dataset& data, const std::vector<std::string>& class_names);

// Runs the model over `data` in batches (evaluation mode, no graph) and hands `write` the header
// and then one line per example in the data set's order: its 0-based index, its true label(s)
// and the model's answer. Numbers are written in the model's precision, as few digits as read
// back to the same value (std::to_chars).
void write_predictions(Module& model, const Dataset& data, const std::vector<std::string>& class_names,
                       int64_t batch_size, const std::function<void(std::string_view)>& write);

}  // namespace descent
