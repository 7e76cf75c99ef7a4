// The per-class metrics of `descent eval` (train/classification_metrics.hpp) against PyTorch's
// (tests/reference/metrics.json, from scripts/reference/gen_metrics.py: torch.argmax, topk
// accuracy, a bincount confusion matrix), and hand-counted cases for ties and NaN.
#include <gtest/gtest.h>

#include <cmath>

#include "common/reference.hpp"
#include "descent/train/classification_metrics.hpp"

using namespace descent;
using descent::testing::json;
using descent::testing::read_reference;
using descent::testing::tensor_from;

namespace {

// Passes its input through, and checks it runs in evaluation mode.
class Identity : public Module {
 public:
  Tensor forward(const Tensor& x) override {
    EXPECT_FALSE(is_training());
    return x;
  }
};

Tensor labels_tensor(const std::vector<int64_t>& labels, DType dtype) {
  const std::vector<double> values(labels.begin(), labels.end());
  return Tensor::from_data(std::span<const double>(values), Shape({static_cast<int64_t>(values.size())}), dtype);
}

// The reference logits counted in batches of `batch` rows.
ClassificationMetrics count_reference(const json& ref, int64_t top_k, DType dtype, int64_t batch) {
  const Tensor logits = tensor_from(ref["logits"], dtype);
  const Tensor labels = labels_tensor(ref["labels"].get<std::vector<int64_t>>(), dtype);
  ClassificationMetrics metrics(logits.size(1), top_k);
  for (int64_t begin = 0; begin < logits.size(0); begin += batch) {
    const int64_t end = std::min(logits.size(0), begin + batch);
    metrics.add(logits.slice(0, begin, end), labels.slice(0, begin, end));
  }
  return metrics;
}

}  // namespace

TEST(ClassificationMetrics, MatchPyTorchOnReferenceLogits) {
  const json ref = read_reference("metrics.json")["classification"];
  for (const DType dtype : {DType::f64, DType::f32}) {
    SCOPED_TRACE(std::string(dtype_name(dtype)));
    for (const auto& [k, correct] : ref["top_k_correct"].items()) {
      const ClassificationMetrics metrics = count_reference(ref, std::stoll(k), dtype, 64);
      EXPECT_EQ(metrics.top_k_correct, correct.get<int64_t>()) << "top-" << k;
      EXPECT_DOUBLE_EQ(metrics.top_k_accuracy(), correct.get<double>() / 200.0) << "top-" << k;
    }
    const ClassificationMetrics metrics = count_reference(ref, 0, dtype, 37);
    EXPECT_EQ(metrics.top_k_correct, 0);
    EXPECT_EQ(metrics.examples(), 200);
    EXPECT_DOUBLE_EQ(metrics.accuracy(), ref["accuracy"].get<double>());
    const auto confusion = ref["confusion"].get<std::vector<std::vector<int64_t>>>();
    for (int64_t truth = 0; truth < 7; ++truth) {
      EXPECT_EQ(metrics.support(truth), ref["support"][truth].get<int64_t>());
      for (int64_t predicted = 0; predicted < 7; ++predicted)
        EXPECT_EQ(metrics.count(truth, predicted), confusion[truth][predicted]) << truth << " " << predicted;
      if (ref["recall"][truth].is_null())  // the class that never occurs
        EXPECT_TRUE(std::isnan(metrics.recall(truth)));
      else
        EXPECT_DOUBLE_EQ(metrics.recall(truth), ref["recall"][truth].get<double>());
    }
  }
}

TEST(ClassificationMetrics, PredictedClassesAreTorchArgmax) {
  const json ref = read_reference("metrics.json")["classification"];
  EXPECT_EQ(predicted_classes(tensor_from(ref["logits"], DType::f64)), ref["predicted"].get<std::vector<int64_t>>());
  EXPECT_EQ(class_indices(labels_tensor({3, 0, 2}, DType::f32)), (std::vector<int64_t>{3, 0, 2}));
}

// Ties go to the lower index, as torch.argmax takes the first maximum: the true class ranks
// after every equal output before it. A NaN is the largest output, as descent's argmax says.
TEST(ClassificationMetrics, TiesAndNaNAreCountedAsArgmaxSees) {
  const double nan = std::nan("");
  const Tensor logits = Tensor::from_data({1, 1, 0,     // truth 1: ties with class 0 before it, rank 1
                                           0, 2, 2,     // truth 2: ties with class 1 before it, rank 1
                                           3, 0, 0,     // truth 0: rank 0
                                           nan, 1, 2},  // truth 0: a NaN ranks first
                                          Shape({4, 3}), DType::f64);
  const Tensor labels = labels_tensor({1, 2, 0, 0}, DType::f64);
  EXPECT_EQ(predicted_classes(logits), (std::vector<int64_t>{0, 1, 0, 0}));
  ClassificationMetrics top1(3, 1), top2(3, 2);
  top1.add(logits, labels);
  top2.add(logits, labels);
  EXPECT_EQ(top1.top_k_correct, 2);
  EXPECT_EQ(top2.top_k_correct, 4);
  EXPECT_DOUBLE_EQ(top1.accuracy(), 0.5);  // top-1 is the accuracy
  EXPECT_EQ(top1.count(1, 0), 1);
  EXPECT_EQ(top1.count(2, 1), 1);
  EXPECT_EQ(top1.count(0, 0), 2);
  EXPECT_DOUBLE_EQ(top1.recall(0), 1.0);
  EXPECT_DOUBLE_EQ(top1.recall(1), 0.0);
}

TEST(ClassificationMetrics, RefusesWhatDoesNotFit) {
  EXPECT_THROW(ClassificationMetrics(3, 4), ValueError);
  EXPECT_THROW(ClassificationMetrics(3, -1), ValueError);
  ClassificationMetrics metrics(3, 0);
  EXPECT_THROW(metrics.add(Tensor::zeros(Shape({2, 4}), DType::f64), labels_tensor({0, 1}, DType::f64)), ShapeError);
  EXPECT_EQ(metrics.accuracy(), 0.0);  // no examples yet
}

// Over a model and a data set (one process): the same counts as the batches added by hand, at
// a batch size that does not divide the set, and the model's training mode is restored.
TEST(ClassificationMetrics, OverAModelInBatches) {
  const json ref = read_reference("metrics.json")["classification"];
  Dataset data;
  data.x = tensor_from(ref["logits"], DType::f64);
  data.y = labels_tensor(ref["labels"].get<std::vector<int64_t>>(), DType::i64);  // int64, as every loader gives
  data.num_classes = 7;
  data.item_shape = Shape({7});
  Identity model;
  model.train();
  const ClassificationMetrics metrics = classification_metrics(model, data, 3, 23, dist::Communicator::world());
  EXPECT_TRUE(model.is_training());
  EXPECT_EQ(metrics.top_k_correct, ref["top_k_correct"]["3"].get<int64_t>());
  EXPECT_EQ(metrics.confusion, count_reference(ref, 3, DType::f64, 200).confusion);
}
