// Confusion matrix, top-k accuracy and per-class recall of a classifier (sklearn.metrics'
// confusion_matrix and classification_report; torchvision's references' topk accuracy).
#include "descent/train/classification_metrics.hpp"

#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "descent/core/error.hpp"
#include "descent/data/loader.hpp"
#include "descent/ops/ops.hpp"
#include "descent/train/model_outputs.hpp"

namespace descent {
namespace {

// a ranks above b: larger, or a NaN where b is a number.
template <class T>
bool ranks_above(T a, T b) {
  return a > b || (std::isnan(a) && !std::isnan(b));
}

// How many of a row's outputs rank above the true class's (0: it is the prediction).
template <class T>
int64_t rank_of_class(const T* row, int64_t num_classes, int64_t truth) {
  int64_t rank = 0;
  for (int64_t k = 0; k < num_classes; ++k) {
    const bool equal = row[k] == row[truth] || (std::isnan(row[k]) && std::isnan(row[truth]));
    rank += ranks_above(row[k], row[truth]) || (equal && k < truth);
  }
  return rank;
}

}  // namespace

std::vector<int64_t> class_indices(const Tensor& indices) { return indices.detach().values<int64_t>(); }

std::vector<int64_t> predicted_classes(const Tensor& output) { return class_indices(argmax(output.detach(), 1)); }

ClassificationMetrics::ClassificationMetrics(int64_t num_classes, int64_t top_k)
    : num_classes(num_classes), top_k(top_k), confusion(static_cast<std::size_t>(num_classes * num_classes), 0) {
  if (top_k < 0 || top_k > num_classes)
    throw ValueError("--top-k must be between 1 and the number of classes, " + std::to_string(num_classes) +
                     " (0: off), got " + std::to_string(top_k));
}

void ClassificationMetrics::add(const Tensor& output, const Tensor& labels) {
  if (output.dim() != 2 || output.size(1) != num_classes)
    throw ShapeError("classification metrics expect (B, " + std::to_string(num_classes) + ") outputs, got " +
                     output.shape().str());
  const std::vector<int64_t> truth = class_indices(labels), predicted = predicted_classes(output);
  for (std::size_t i = 0; i < truth.size(); ++i) ++confusion[truth[i] * num_classes + predicted[i]];
  if (top_k == 0) return;
  const Tensor scores = output.detach().contiguous();
  dispatch(scores.dtype(), [&]<class T>() {
    for (std::size_t i = 0; i < truth.size(); ++i)
      top_k_correct += rank_of_class(scores.data<T>() + i * num_classes, num_classes, truth[i]) < top_k;
  });
}

int64_t ClassificationMetrics::examples() const {
  return std::accumulate(confusion.begin(), confusion.end(), int64_t{0});
}

int64_t ClassificationMetrics::support(int64_t truth) const {
  const auto row = confusion.begin() + truth * num_classes;
  return std::accumulate(row, row + num_classes, int64_t{0});
}

double ClassificationMetrics::accuracy() const {
  int64_t diagonal = 0;
  for (int64_t c = 0; c < num_classes; ++c) diagonal += count(c, c);
  return examples() == 0 ? 0.0 : static_cast<double>(diagonal) / static_cast<double>(examples());
}

double ClassificationMetrics::top_k_accuracy() const {
  return examples() == 0 ? 0.0 : static_cast<double>(top_k_correct) / static_cast<double>(examples());
}

double ClassificationMetrics::recall(int64_t truth) const {
  const int64_t of_class = support(truth);
  if (of_class == 0) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(count(truth, truth)) / static_cast<double>(of_class);
}

ClassificationMetrics classification_metrics(Module& model, const Dataset& data, int64_t top_k, int64_t batch_size,
                                             dist::Communicator& comm) {
  ClassificationMetrics metrics(data.num_classes, top_k);
  const auto [first, last] = comm.distributed() ? shard_range(data.size(), comm.rank(), comm.size())
                                                : std::pair<int64_t, int64_t>{0, data.size()};
  for_each_output(model, data.rows(first, last), batch_size,
                  [&](const Dataset& batch, int64_t, const Tensor& output) { metrics.add(output, batch.y); });
  metrics.sum_over_ranks(comm);
  return metrics;
}

void ClassificationMetrics::sum_over_ranks(dist::Communicator& comm) {
  if (!comm.distributed()) return;
  // Counts as doubles: exact below 2^53, and the sum is the same in any order.
  std::vector<double> counts(confusion.begin(), confusion.end());
  counts.push_back(static_cast<double>(top_k_correct));
  comm.all_reduce_sum(counts);
  for (std::size_t i = 0; i < confusion.size(); ++i) confusion[i] = static_cast<int64_t>(counts[i]);
  top_k_correct = static_cast<int64_t>(counts.back());
}

}  // namespace descent
