// `descent eval --weights FILE [--data ...]`: evaluates saved weights on a data set's test
// part. The model's architecture comes from the weights file's metadata (written by train).
// For classes it adds top-k accuracy, each class's accuracy (recall) with its support and the
// confusion matrix, as a table and, with --svg, as a heat map.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "descent/cli/command.hpp"
#include "descent/cli/saved_weights.hpp"
#include "descent/data/class_names.hpp"
#include "descent/io/atomic_file.hpp"
#include "descent/train/classification_metrics.hpp"
#include "descent/train/distributed.hpp"
#include "descent/train/model_outputs.hpp"
#include "descent/train/run.hpp"
#include "descent/viz/confusion_plot.hpp"

namespace descent::cli {
namespace {

// More classes than this and the confusion matrix is left to --svg and --json.
constexpr int64_t kWidestPrintedMatrix = 20;

struct EvalFlags {
  SavedWeightsFlags source{.split = "test"};
  int64_t batch_size = 1000;
  int64_t top_k = -1;  // -1: 5 when there are more than 5 classes, else none
  std::string svg;
  bool json = false;
};

// The k of top-k accuracy that --top-k asks for (0: none); ClassificationMetrics checks its range.
int64_t top_k_for(const EvalFlags& f, const Dataset& train) {
  if (f.top_k == -1) return train.num_classes > 5 ? 5 : 0;
  if (!train.is_classification())
    throw ValueError("--top-k counts classes, and this data set's labels are not classes (regression or multi-label)");
  return f.top_k;
}

// "test_loss 0.0253  test_acc 99.18%  test_top5_acc 99.99%  (10000 examples of mnist)", with
// the rounding `descent train` prints.
std::string summary_line(const std::string& split, const EvalResult& result, const ClassificationMetrics* metrics,
                         const Dataset& train, const std::string& data) {
  char line[320];
  if (train.is_multilabel())
    std::snprintf(line, sizeof line, "%s_loss %.4f  %s_exact %.2f%%  %s_label_acc %.2f%%", split.c_str(), result.loss,
                  split.c_str(), 100 * result.accuracy, split.c_str(), 100 * result.label_accuracy);
  else if (train.is_classification())
    std::snprintf(line, sizeof line, "%s_loss %.4f  %s_acc %.2f%%", split.c_str(), result.loss, split.c_str(),
                  100 * result.accuracy);
  else
    std::snprintf(line, sizeof line, "%s_loss %.6g", split.c_str(), result.loss);
  std::string text = line;
  if (metrics != nullptr && metrics->top_k > 0) {
    std::snprintf(line, sizeof line, "  %s_top%lld_acc %.2f%%", split.c_str(), static_cast<long long>(metrics->top_k),
                  100 * metrics->top_k_accuracy());
    text += line;
  }
  return text + "  (" + std::to_string(result.examples) + " examples of " + data + ")\n";
}

// `text` padded with spaces to `width` characters, on the left (right-aligned) or the right.
std::string align_right(const std::string& text, std::size_t width) {
  return std::string(width > text.size() ? width - text.size() : 0, ' ') + text;
}
std::string align_left(const std::string& text, std::size_t width) {
  return text + std::string(width > text.size() ? width - text.size() : 0, ' ');
}

// "99.18%"
std::string percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f%%", 100 * fraction);
  return text;
}

// Each class's accuracy (recall) and support, then the confusion matrix, rows true; the
// columns are numbered, so a class with a name is also shown with its number ("0 T-shirt/top").
std::string class_tables(const ClassificationMetrics& metrics, const std::vector<std::string>& class_names) {
  std::vector<std::string> names;
  std::size_t name_width = 5;  // "class"
  for (int64_t c = 0; c < metrics.num_classes; ++c) {
    const std::string number = std::to_string(c);
    names.push_back(class_names[c] == number ? number : number + " " + class_names[c]);
    name_width = std::max(name_width, names.back().size());
  }
  std::string text =
      "\n" + align_left("class", name_width) + "  " + align_right("acc", 7) + "  " + align_right("support", 8) + "\n";
  for (int64_t c = 0; c < metrics.num_classes; ++c)
    text += align_left(names[c], name_width) + "  " +
            align_right(std::isnan(metrics.recall(c)) ? "-" : percent(metrics.recall(c)), 7) + "  " +
            align_right(std::to_string(metrics.support(c)), 8) + "\n";
  if (metrics.num_classes > kWidestPrintedMatrix)
    return text + "\n(" + std::to_string(metrics.num_classes) +
           " classes: the confusion matrix is in --json and --svg)\n";
  std::size_t count_width = 4;
  for (const int64_t count : metrics.confusion) count_width = std::max(count_width, std::to_string(count).size() + 1);
  text += "\nconfusion matrix (rows: true class, columns: predicted class)\n" + std::string(name_width, ' ');
  for (int64_t c = 0; c < metrics.num_classes; ++c) text += align_right(std::to_string(c), count_width);
  for (int64_t truth = 0; truth < metrics.num_classes; ++truth) {
    text += "\n" + align_left(names[truth], name_width);
    for (int64_t predicted = 0; predicted < metrics.num_classes; ++predicted)
      text += align_right(std::to_string(metrics.count(truth, predicted)), count_width);
  }
  return text + "\n";
}

// Everything eval prints, as one JSON object (--json).
nlohmann::json report_json(const std::string& split, const std::string& data, const EvalResult& result,
                           const ClassificationMetrics* metrics, const std::vector<std::string>& names,
                           const Dataset& train) {
  nlohmann::json report = {{"split", split}, {"data", data}, {"examples", result.examples}, {"loss", result.loss}};
  if (train.is_multilabel()) {
    report["exact_accuracy"] = result.accuracy;
    report["label_accuracy"] = result.label_accuracy;
  }
  if (metrics == nullptr) return report;
  report["accuracy"] = result.accuracy;
  if (metrics->top_k > 0) {
    report["top_k"] = metrics->top_k;
    report["top_k_accuracy"] = metrics->top_k_accuracy();
  }
  nlohmann::json classes = nlohmann::json::array(), matrix = nlohmann::json::array();
  for (int64_t c = 0; c < metrics->num_classes; ++c) {
    classes.push_back({{"class", c},
                       {"name", names[c]},
                       {"accuracy", metrics->recall(c)},  // NaN: null
                       {"support", metrics->support(c)}});
    matrix.push_back(std::vector<int64_t>(metrics->confusion.begin() + c * metrics->num_classes,
                                          metrics->confusion.begin() + (c + 1) * metrics->num_classes));
  }
  report["classes"] = classes;
  report["confusion_matrix"] = matrix;
  return report;
}

int run_eval(const EvalFlags& f) {
  if (f.batch_size <= 0) throw ValueError("--batch-size must be positive, got " + std::to_string(f.batch_size));
  const SavedModel saved = load_saved_model(f.source);
  const Dataset& train = saved.splits.train;
  const int64_t top_k = top_k_for(f, train);
  if (!f.svg.empty() && !train.is_classification())
    throw ValueError("--svg draws a confusion matrix of classes, and this data set's labels are not classes");
  dist::Communicator& world = dist::Communicator::world();
  // One pass over the data gives the loss and the per-class counts. Under mpirun each rank
  // evaluates its share and the sums are added (only rank 0 prints).
  std::optional<ClassificationMetrics> metrics;
  OutputsVisitor count_classes;
  if (train.is_classification()) {
    metrics.emplace(train.num_classes, top_k);
    count_classes = [&](const Dataset& batch, int64_t, const Tensor& outputs) { metrics->add(outputs, batch.y); };
  }
  const EvalResult result = evaluate_distributed(*saved.model, saved.part(),
                                                 make_loss(saved.config.loss, train, saved.config.label_smoothing),
                                                 f.batch_size, world, count_classes);
  if (metrics) metrics->sum_over_ranks(world);
  const std::vector<std::string> names = class_names(saved.config.data, train.num_classes);
  const std::string& split = f.source.split;
  const ClassificationMetrics* counted = metrics ? &*metrics : nullptr;
  if (f.json)
    std::cout << report_json(split, saved.config.data, result, counted, names, train).dump(2) << "\n";
  else
    std::cout << summary_line(split, result, counted, train, saved.config.data)
              << (counted != nullptr ? class_tables(*counted, names) : "");
  if (!f.svg.empty() && world.is_root()) {
    write_file_atomic(f.svg, viz::plot_confusion_matrix(metrics->confusion, names,
                                                        "Confusion matrix: " + saved.config.data + ", " + split)
                                 .svg);
    if (!f.json) std::cout << "wrote " << f.svg << "\n";
  }
  return 0;
}

void add_flags(CLI::App& app, EvalFlags& f) {
  add_saved_weights_flags(app, f.source, "which part to evaluate: test, dev or train");
  app.add_option("--batch-size", f.batch_size, "evaluation batch size")->capture_default_str();
  app.add_option("--top-k", f.top_k,
                 "also the accuracy of the K largest outputs (default: 5 when there are more than 5 classes; 0: off)");
  app.add_option("--svg", f.svg, "draw the confusion matrix as a heat map into this SVG file");
  app.add_flag("--json", f.json, "print the metrics as one JSON object");
}

const Command eval_command{"eval", "Evaluate saved weights on a data set", setup_with<EvalFlags>(add_flags, run_eval)};

}  // namespace
}  // namespace descent::cli
