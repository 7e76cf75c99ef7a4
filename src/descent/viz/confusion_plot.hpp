// plot_confusion_matrix: a classifier's confusion matrix as a heat map, as
// sklearn.metrics.ConfusionMatrixDisplay draws it: rows the true class, columns the predicted
// one, each cell's count written in it and coloured (viridis) by its share of its row, so the
// diagonal reads as each class's recall whatever the class sizes. This is what
// `descent eval --svg` draws:
//
//   viz::Rendered out = viz::plot_confusion_matrix(counts, {"T-shirt/top", "Trouser", ...}, "test");
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "descent/viz/figure.hpp"

namespace descent::viz {

// `counts` holds K² numbers, row-major (counts[true * K + predicted]), for the K `class_names`.
// Throws ValueError when the sizes disagree or there are no classes.
Rendered plot_confusion_matrix(const std::vector<int64_t>& counts, const std::vector<std::string>& class_names,
                               const std::string& title);

}  // namespace descent::viz
