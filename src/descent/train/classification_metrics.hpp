// Per-class metrics of a classifier over a data set: the confusion matrix (rows the true class,
// columns the predicted one, as sklearn.metrics.confusion_matrix), accuracy, top-k accuracy (the
// true class among the k largest outputs, as torch.topk-based accuracy in torchvision's
// references) and each class's recall with its support (sklearn's classification_report).
#pragma once
#include <cstdint>
#include <vector>

#include "descent/data/dataset.hpp"
#include "descent/dist/communicator.hpp"
#include "descent/nn/module.hpp"

namespace descent {

// Class indices as integers, from any tensor that holds them (labels, argmax results), whatever
// its element type: the metrics and the predictions read labels through it alone.
std::vector<int64_t> class_indices(const Tensor& indices);

// Each row's predicted class: the index of its largest output, the first of equal ones and a
// NaN before any number (torch.argmax(output, dim=1)). `output` is (B, K).
std::vector<int64_t> predicted_classes(const Tensor& output);

struct ClassificationMetrics {
  int64_t num_classes = 0;
  // Top-k correct: fewer than k outputs rank above the true class's, where an output ranks above
  // it when larger, or equal at a lower index (the order torch.argmax and a stable descending
  // sort give; torch.topk leaves ties unspecified), and a NaN ranks above any number. 0: not counted.
  int64_t top_k = 0;
  std::vector<int64_t> confusion;  // num_classes² counts, row-major: confusion[true * K + predicted]
  int64_t top_k_correct = 0;

  // Empty counts for K classes, counting top-k accuracy when top_k > 0.
  ClassificationMetrics(int64_t num_classes, int64_t top_k);

  // Counts a batch: (B, K) outputs against (B) class indices.
  void add(const Tensor& output, const Tensor& labels);

  // Under mpirun (comm distributed), where each rank counted its share: adds the counts over
  // the ranks, so that every rank holds the whole set's. One process: nothing to do.
  void sum_over_ranks(dist::Communicator& comm);

  int64_t count(int64_t truth, int64_t predicted) const { return confusion[truth * num_classes + predicted]; }
  int64_t examples() const;
  int64_t support(int64_t truth) const;  // the examples of this class
  double accuracy() const;               // the diagonal's share, 0 without examples
  double top_k_accuracy() const;
  double recall(int64_t truth) const;  // a class's accuracy; NaN for a class without examples
};

// The metrics of `model` over `data`, in evaluation mode and batches. Under mpirun (comm
// distributed) each rank counts its contiguous share and the counts are added: every rank gets
// the whole set's metrics. Throws ValueError for top_k outside [0, K].
ClassificationMetrics classification_metrics(Module& model, const Dataset& data, int64_t top_k, int64_t batch_size,
                                             dist::Communicator& comm);

}  // namespace descent
