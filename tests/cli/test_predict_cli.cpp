// `descent predict` and the per-class metrics of `descent eval` as a user runs them after
// `descent train`: the CSV's rows and columns for each task, eval's numbers agreeing with the
// CSV's, the confusion matrix as a table, as JSON and as SVG, and the refusals (missing
// weights, weights of other data, an existing --out) that leave files as they were.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_files.hpp"
#include "common/csv_cells.hpp"
#include "common/scratch.hpp"
#include "common/skip.hpp"
#include "viz/xml_check.hpp"

namespace fs = std::filesystem;
using namespace descent::testing;

namespace {

// One line on stderr, naming `what`, a non-zero exit and nothing on stdout.
void expect_refused(const CliRun& run, const std::string& what) {
  EXPECT_NE(run.code, 0) << run.out << run.err;
  EXPECT_NE(run.err.find(what), std::string::npos) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
}

// A small MLP trained on the 4-class blobs (400 test examples), shared by the tests below.
class PredictCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fresh_dir("predict_cli", "blobs"));
    const CliRun train =
        run_cli("train --data blobs --dev-size 200 --model mlp:16 --epochs 2 --threads 1 --quiet --out " +
                (*dir_ / "run").string());
    ASSERT_EQ(train.code, 0) << train.out << train.err;
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static std::string weights() { return " --weights " + (*dir_ / "run" / "best.safetensors").string(); }
  static fs::path path(const std::string& name) { return *dir_ / name; }
  static fs::path* dir_;
};
fs::path* PredictCli::dir_ = nullptr;

}  // namespace

TEST_F(PredictCli, WritesOneRowPerTestExampleThatEvalAgreesWith) {
  const fs::path out = path("predictions.csv");
  const CliRun predict = run_cli("predict" + weights() + " --threads 1 --out " + out.string());
  ASSERT_EQ(predict.code, 0) << predict.out << predict.err;
  EXPECT_NE(predict.out.find("wrote " + out.string() + ": 400 predictions for the test part of blobs"),
            std::string::npos)
      << predict.out;
  const auto rows = csv_cells(read_file(out));
  ASSERT_EQ(rows.size(), 401u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"index", "label", "predicted", "prob_0", "prob_1", "prob_2", "prob_3"}));

  const CliRun eval = run_cli("eval" + weights() + " --threads 1 --top-k 2 --json");
  ASSERT_EQ(eval.code, 0) << eval.out << eval.err;
  const nlohmann::json report = nlohmann::json::parse(eval.out);
  std::vector<std::vector<int64_t>> confusion(4, std::vector<int64_t>(4, 0));
  int64_t top2 = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    ASSERT_EQ(row.size(), 7u);
    EXPECT_EQ(row[0], std::to_string(i - 1));
    const int64_t label = std::stoll(row[1]), predicted = std::stoll(row[2]);
    double sum = 0, largest = -1;
    int64_t above_label = 0;
    for (int64_t c = 0; c < 4; ++c) {
      const double p = std::stod(row[3 + c]);
      sum += p;
      largest = std::max(largest, p);
      above_label += p > std::stod(row[3 + label]);
    }
    EXPECT_NEAR(sum, 1.0, 1e-6);
    EXPECT_EQ(std::stod(row[3 + predicted]), largest);
    ++confusion[label][predicted];
    top2 += above_label < 2;
  }
  EXPECT_EQ(report.at("examples"), 400);
  EXPECT_EQ(report.at("confusion_matrix").get<std::vector<std::vector<int64_t>>>(), confusion);
  EXPECT_EQ(report.at("top_k"), 2);
  EXPECT_DOUBLE_EQ(report.at("top_k_accuracy").get<double>(), static_cast<double>(top2) / 400);
  int64_t diagonal = 0;
  for (int64_t c = 0; c < 4; ++c) {
    diagonal += confusion[c][c];
    const auto& entry = report.at("classes")[c];
    EXPECT_EQ(entry.at("name"), std::to_string(c));
    EXPECT_EQ(entry.at("support"), confusion[c][0] + confusion[c][1] + confusion[c][2] + confusion[c][3]);
  }
  EXPECT_DOUBLE_EQ(report.at("accuracy").get<double>(), static_cast<double>(diagonal) / 400);

  // --out - writes the same rows to stdout, and nothing else.
  const CliRun to_stdout = run_cli("predict" + weights() + " --threads 1 --out -");
  ASSERT_EQ(to_stdout.code, 0) << to_stdout.err;
  EXPECT_EQ(to_stdout.out, read_file(out));
}

TEST_F(PredictCli, EvalPrintsRoundedMetricsTablesAndAHeatMap) {
  const fs::path svg = path("confusion.svg");
  const CliRun eval = run_cli("eval" + weights() + " --threads 1 --split dev --svg " + svg.string());
  ASSERT_EQ(eval.code, 0) << eval.out << eval.err;
  EXPECT_TRUE(
      std::regex_search(eval.out,
                        std::regex(R"(^dev_loss \d+\.\d{4}  dev_acc \d+\.\d{2}%  \(\d+ examples of blobs\)\n)")))
      << eval.out;
  EXPECT_EQ(eval.out.find("top"), std::string::npos) << "4 classes: no top-k unless asked";
  EXPECT_NE(eval.out.find("class      acc   support"), std::string::npos) << eval.out;
  EXPECT_NE(eval.out.find("confusion matrix (rows: true class, columns: predicted class)"), std::string::npos);
  EXPECT_NE(eval.out.find("wrote " + svg.string()), std::string::npos);
  const std::string drawn = read_file(svg);
  EXPECT_EQ(descent::viz::xml::xml_problem(drawn), "");
  EXPECT_EQ(std::count(drawn.begin(), drawn.end(), '\n') > 0, true);
  EXPECT_NE(drawn.find("Confusion matrix: blobs, dev"), std::string::npos);
}

TEST_F(PredictCli, RefusesWhatItCannotDoAndKeepsFiles) {
  const fs::path out = path("kept.csv");
  write_bytes(out, "keep me\n");
  expect_refused(run_cli("predict" + weights() + " --out " + out.string()), "--overwrite");
  EXPECT_EQ(read_file(out), "keep me\n");
  const CliRun replaced = run_cli("predict" + weights() + " --threads 1 --overwrite --out " + out.string());
  EXPECT_EQ(replaced.code, 0) << replaced.err;
  EXPECT_EQ(read_file(out).rfind("index,label,predicted,", 0), 0u);

  expect_refused(run_cli("predict --weights " + path("none.safetensors").string() + " --out " + path("x.csv").string()),
                 "none.safetensors");
  expect_refused(run_cli("predict" + weights()), "--out");
  // xor has two classes and blobs four: the last layer's weights do not fit.
  expect_refused(run_cli("predict" + weights() + " --data xor --out " + path("x.csv").string()), "does not fit");
  expect_refused(run_cli("eval" + weights() + " --data linear-regression"), "does not fit");
  EXPECT_FALSE(fs::exists(path("x.csv")));
  expect_refused(run_cli("eval" + weights() + " --top-k 5"), "--top-k");
  expect_refused(run_cli("eval" + weights() + " --top-k -2"), "--top-k");
  expect_refused(run_cli("predict" + weights() + " --split validation --out " + path("x.csv").string()), "--split");
}

TEST(PredictTasksCli, RegressionAndMultilabelColumns) {
  const ScratchDir dir("predict_cli", "tasks");
  const CliRun regression = run_cli(
      "train --data linear-regression --dev-size 200 --loss mse --model mlp:8 --epochs 1 --threads 1 --quiet --out " +
      (dir / "reg").string());
  ASSERT_EQ(regression.code, 0) << regression.err;
  const std::string reg_weights = " --weights " + (dir / "reg" / "best.safetensors").string();
  const CliRun predicted = run_cli("predict" + reg_weights + " --threads 1 --out -");
  ASSERT_EQ(predicted.code, 0) << predicted.err;
  const auto rows = csv_cells(predicted.out);
  ASSERT_EQ(rows.size(), 401u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"index", "target", "predicted"}));
  EXPECT_EQ(rows[400].size(), 3u);
  const CliRun eval = run_cli("eval" + reg_weights + " --threads 1");
  EXPECT_TRUE(std::regex_search(eval.out, std::regex(R"(^test_loss [0-9.e+-]+  \(400 examples)"))) << eval.out;
  expect_refused(run_cli("eval" + reg_weights + " --svg " + (dir / "c.svg").string()), "--svg");

  std::string labels_csv = "x1,x2,a,b\n";
  for (int row = 0; row < 100; ++row) {
    const double x1 = (row * 37 % 100) / 100.0, x2 = (row * 61 % 100) / 100.0;
    labels_csv += std::to_string(x1) + "," + std::to_string(x2) + "," + (x1 > 0.5 ? "1" : "0") + "," +
                  (x2 > 0.3 ? "1" : "0") + "\n";
  }
  write_bytes(dir / "labels.csv", labels_csv);
  const CliRun multilabel = run_cli("train --data " + (dir / "labels.csv").string() +
                                    " --label-columns 2-3 --task multilabel --dev-size 10 --model mlp:8 --epochs 1 "
                                    "--threads 1 --quiet --out " +
                                    (dir / "ml").string());
  ASSERT_EQ(multilabel.code, 0) << multilabel.err;
  const CliRun ml = run_cli("predict --weights " + (dir / "ml" / "best.safetensors").string() + " --out -");
  ASSERT_EQ(ml.code, 0) << ml.err;
  const auto ml_rows = csv_cells(ml.out);
  ASSERT_EQ(ml_rows.size(), 21u);  // the last fifth of 100 rows
  EXPECT_EQ(ml_rows[0], (std::vector<std::string>{"index", "label_0", "label_1", "prob_0", "prob_1", "predicted_0",
                                                  "predicted_1"}));
  for (std::size_t i = 1; i < ml_rows.size(); ++i)
    for (int l = 0; l < 2; ++l) EXPECT_EQ(ml_rows[i][5 + l], std::stod(ml_rows[i][3 + l]) > 0.5 ? "1" : "0");
}

// A float64 conv net on MNIST: predict and eval rebuild it from the file, digits as class names.
TEST(PredictTasksCli, Float64ConvNetOnMnist) {
  const fs::path mnist = fs::path(DESCENT_SOURCE_DIR) / "data/mnist";
  if (!fs::exists(mnist / "t10k-images-idx3-ubyte") && !fs::exists(mnist / "t10k-images-idx3-ubyte.gz"))
    DESCENT_SKIP() << "MNIST not fetched (bash scripts/fetch_mnist.sh)";
  const ScratchDir dir("predict_cli", "conv");
  const CliRun train = run_cli("train --data " + mnist.string() +
                               " --model cnn:c4k5-m4-f16 --dtype float64 --dev-size 59000 --epochs 1 --threads 1 "
                               "--quiet --out " +
                               (dir / "run").string());
  ASSERT_EQ(train.code, 0) << train.err;
  const std::string weights = " --weights " + (dir / "run" / "best.safetensors").string();
  const CliRun predicted = run_cli("predict" + weights + " --threads 1 --out " + (dir / "p.csv").string());
  ASSERT_EQ(predicted.code, 0) << predicted.err;
  const auto rows = csv_cells(read_file(dir / "p.csv"));
  ASSERT_EQ(rows.size(), 10001u);
  EXPECT_EQ(rows[0][3], "prob_0");
  EXPECT_EQ(rows[0][12], "prob_9");
  int64_t right = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) right += rows[i][1] == rows[i][2];
  const CliRun eval = run_cli("eval" + weights + " --threads 1 --json");
  ASSERT_EQ(eval.code, 0) << eval.err;
  const nlohmann::json report = nlohmann::json::parse(eval.out);
  EXPECT_DOUBLE_EQ(report.at("accuracy").get<double>(), static_cast<double>(right) / 10000);
  EXPECT_EQ(report.at("top_k"), 5);  // ten classes: top-5 by default
  EXPECT_GT(report.at("top_k_accuracy").get<double>(), report.at("accuracy").get<double>());
}
