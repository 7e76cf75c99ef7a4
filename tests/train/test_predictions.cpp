// `descent predict`'s CSV rows (train/predictions.hpp): one per example in order, the columns
// of each task, and the softmax and sigmoid probabilities against PyTorch's
// (tests/reference/metrics.json, from scripts/reference/gen_metrics.py).
#include <gtest/gtest.h>

#include <sstream>

#include "common/csv_cells.hpp"
#include "common/reference.hpp"
#include "descent/train/predictions.hpp"

using namespace descent;
using descent::testing::csv_cells;
using descent::testing::json;
using descent::testing::read_reference;
using descent::testing::tensor_from;

namespace {

// The probabilities of descent's softmax and sigmoid against torch's, in float64.
constexpr double kProbabilityTolerance = 1e-15;

class Identity : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x; }
};

// The CSV text a model's predictions of `data` make, in batches of `batch` rows.
std::string predictions_csv(const Dataset& data, const std::vector<std::string>& names, int64_t batch) {
  Identity model;
  std::string text;
  write_predictions(model, data, names, batch, [&](std::string_view part) { text += part; });
  return text;
}

Dataset logits_as_data(const json& ref) {
  Dataset data;
  data.x = tensor_from(ref["logits"], DType::f64);
  const std::vector<double> labels = ref["labels"].get<std::vector<double>>();
  data.y = Tensor::from_data(std::span<const double>(labels), Shape({data.x.size(0)}), DType::i64);  // as loaders
  data.num_classes = data.x.size(1);
  return data;
}

}  // namespace

TEST(Predictions, ClassificationRowsHoldArgmaxAndSoftmaxAsPyTorch) {
  const json ref = read_reference("metrics.json")["classification"];
  const Dataset data = logits_as_data(ref);
  const std::vector<std::string> names = {"a", "b", "c", "d", "e", "f", "g"};
  const std::string text = predictions_csv(data, names, 64);
  EXPECT_EQ(text, predictions_csv(data, names, 1000));  // the batch size changes nothing
  const auto rows = csv_cells(text);
  ASSERT_EQ(rows.size(), 201u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"index", "label", "predicted", "prob_a", "prob_b", "prob_c", "prob_d",
                                               "prob_e", "prob_f", "prob_g"}));
  const std::vector<double> softmax = ref["softmax"]["data"].get<std::vector<double>>();
  for (std::size_t i = 0; i < 200; ++i) {
    const auto& row = rows[i + 1];
    ASSERT_EQ(row.size(), 10u) << i;
    EXPECT_EQ(row[0], std::to_string(i));
    EXPECT_EQ(std::stoll(row[1]), ref["labels"][i].get<int64_t>());
    EXPECT_EQ(std::stoll(row[2]), ref["predicted"][i].get<int64_t>());
    for (std::size_t c = 0; c < 7; ++c) EXPECT_NEAR(std::stod(row[3 + c]), softmax[i * 7 + c], kProbabilityTolerance);
  }
}

TEST(Predictions, MultilabelRowsHoldLabelsSigmoidAndDecisions) {
  const json ref = read_reference("metrics.json")["multilabel"];
  Dataset data;
  data.x = tensor_from(ref["logits"], DType::f64);
  data.y = tensor_from(ref["labels"], DType::f64);
  data.num_labels = 3;
  const auto rows = csv_cells(predictions_csv(data, {}, 7));
  ASSERT_EQ(rows.size(), 41u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"index", "label_0", "label_1", "label_2", "prob_0", "prob_1", "prob_2",
                                               "predicted_0", "predicted_1", "predicted_2"}));
  const auto labels = ref["labels"]["data"].get<std::vector<double>>();
  const auto sigmoid = ref["sigmoid"]["data"].get<std::vector<double>>();
  const auto predicted = ref["predicted"].get<std::vector<int64_t>>();
  for (std::size_t i = 0; i < 40; ++i)
    for (std::size_t l = 0; l < 3; ++l) {
      EXPECT_EQ(std::stod(rows[i + 1][1 + l]), labels[i * 3 + l]);
      EXPECT_NEAR(std::stod(rows[i + 1][4 + l]), sigmoid[i * 3 + l], kProbabilityTolerance);
      EXPECT_EQ(std::stoll(rows[i + 1][7 + l]), predicted[i * 3 + l]);
    }
}

// Regression: the target and the predicted value, each in the model's precision with the
// fewest digits that read back to it (0.1f prints as 0.1, not 0.10000000149011612).
TEST(Predictions, RegressionRowsReadBackExactly) {
  Dataset data;
  data.x = Tensor::from_data({0.1, -2.5, 1e-8, 3.0}, Shape({4, 1}), DType::f32);
  data.y = Tensor::from_data({1.0, 2.0, 0.3, -4.0}, Shape({4}), DType::f32);
  EXPECT_EQ(predictions_csv(data, {}, 3), "index,target,predicted\n0,1,0.1\n1,2,-2.5\n2,0.3,1e-08\n3,-4,3\n");
}

TEST(Predictions, EmptySetGivesTheHeaderAlone) {
  const Dataset data = logits_as_data(read_reference("metrics.json")["classification"]).rows(0, 0);
  EXPECT_EQ(predictions_csv(data, {"0", "1", "2", "3", "4", "5", "6"}, 10),
            "index,label,predicted,prob_0,prob_1,prob_2,prob_3,prob_4,prob_5,prob_6\n");
}
