// The task a run states through the `descent` command: multi-label CSV data (--task multilabel,
// --label-columns, binary cross-entropy, exact-match and per-label accuracy), and the losses
// that go with the tasks (--loss bce on one-hot classes, --label-smoothing).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/cli_files.hpp"
#include "common/scratch.hpp"

namespace fs = std::filesystem;
using namespace descent::testing;

namespace {

// 400 rows of three features in [0, 1) and three labels, each a simple function of them.
std::string multilabel_csv() {
  std::string text = "x1,x2,x3,first_high,sum_high,first_above_third\n";
  for (int row = 0; row < 400; ++row) {
    const double a = (row * 37 % 101) / 101.0, b = (row * 61 % 103) / 103.0, c = (row * 17 % 107) / 107.0;
    text += std::to_string(a) + "," + std::to_string(b) + "," + std::to_string(c) + "," + (a > 0.5 ? "1" : "0") + "," +
            (b + c > 1 ? "1" : "0") + "," + (a > c ? "1" : "0") + "\n";
  }
  return text;
}

// The number after `key` in `text` (a percentage's digits without the %).
double number_after(const std::string& text, const std::string& key) {
  const std::size_t at = text.find(key);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + key.size()));
}

// A fresh folder of this test program holding FILE with `text`.
fs::path folder_with(const std::string& name, const std::string& file, const std::string& text) {
  const fs::path dir = fresh_dir("tasks_cli", name);
  write_bytes(dir / file, text);
  return dir;
}

// `descent train --data DIR/FILE FLAGS --threads 1 --out DIR/RUN`.
CliRun train_on(const fs::path& dir, const std::string& file, const std::string& flags,
                const std::string& run = "run") {
  return run_cli("train --data " + (dir / file).string() + " " + flags + " --threads 1 --out " + (dir / run).string());
}

}  // namespace

TEST(TasksCli, MultilabelTrainsReportsAndEvalReproduces) {
  const fs::path dir = folder_with("tasks_multilabel", "labels.csv", multilabel_csv());
  const CliRun train = train_on(dir, "labels.csv",
                                "--label-columns 3-5 --task multilabel --dev-size 60 --model mlp:32 --dropout 0 "
                                "--optimizer adam:lr=0.01 --schedule constant --epochs 40 --batch-size 16");
  ASSERT_EQ(train.code, 0) << train.out << train.err;
  const fs::path run_dir = dir / "run";
  EXPECT_NE(train.out.find("task multilabel (3 labels)"), std::string::npos) << train.out;
  EXPECT_NE(train.out.find("dev_exact"), std::string::npos) << train.out;
  EXPECT_NE(train.out.find("dev_label_acc"), std::string::npos) << train.out;
  // Selected by dev loss, tested once: the last line names both accuracies.
  EXPECT_NE(train.out.find("best dev_loss"), std::string::npos) << train.out;
  const double exact = number_after(train.out, "test_exact "), per_label = number_after(train.out, "test_label_acc ");
  EXPECT_GT(per_label, 90.0) << train.out;
  EXPECT_GT(exact, 75.0) << train.out;

  std::ifstream config_file(run_dir / "config.json");
  const nlohmann::json config = nlohmann::json::parse(config_file);
  EXPECT_EQ(config.at("task"), "multilabel");
  EXPECT_EQ(config.at("label_columns"), "3-5");
  EXPECT_EQ(config.at("loss"), "bce");  // multi-label data's default
  std::ifstream metrics_file(run_dir / "metrics.jsonl");
  std::string first_epoch;
  std::getline(metrics_file, first_epoch);
  const nlohmann::json metrics = nlohmann::json::parse(first_epoch);
  for (const char* key : {"train_loss", "train_acc", "train_label_acc", "dev_loss", "dev_acc", "dev_label_acc"})
    EXPECT_TRUE(metrics.contains(key)) << key;
  std::ifstream summary_file(run_dir / "summary.json");
  const nlohmann::json summary = nlohmann::json::parse(summary_file);
  EXPECT_NEAR(100 * summary.at("test_label_acc").get<double>(), per_label, 0.01);

  const CliRun eval = run_cli("eval --weights " + (run_dir / "best.safetensors").string() + " --threads 1");
  ASSERT_EQ(eval.code, 0) << eval.out << eval.err;
  EXPECT_NEAR(number_after(eval.out, "test_exact "), exact, 0.01) << eval.out;
  EXPECT_NEAR(number_after(eval.out, "test_label_acc "), per_label, 0.01) << eval.out;
  EXPECT_NEAR(number_after(eval.out, "test_loss "), summary.at("test_loss").get<double>(), 1e-5) << eval.out;
}

TEST(TasksCli, SeveralLabelColumnsWithoutTheTaskAskForIt) {
  const fs::path dir = folder_with("tasks_infer", "labels.csv", multilabel_csv());
  const CliRun run = train_on(dir, "labels.csv", "--label-columns 3-5 --dev-size 60 --epochs 1 --quiet");
  EXPECT_EQ(run.code, 2);
  EXPECT_NE(run.err.find("pass --task multilabel"), std::string::npos) << run.err;
}

TEST(TasksCli, BceOnOneHotClassesAndLabelSmoothingTrain) {
  const fs::path dir = folder_with("tasks_losses", "small.csv", csv_text());
  for (const std::string loss : {"--loss bce", "--label-smoothing 0.1"}) {
    const CliRun run = train_on(dir, "small.csv", loss + " --dev-size 20 --model mlp:8 --epochs 2 --overwrite");
    ASSERT_EQ(run.code, 0) << loss << run.out << run.err;
    EXPECT_NE(run.out.find("task classification (2 classes)"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("test_acc"), std::string::npos) << run.out;
  }
}

TEST(TasksCli, SkipNonFiniteCountsSkipsInTheMetrics) {
  const fs::path dir = folder_with("skip_nonfinite", "small.csv", csv_text());
  const CliRun run = train_on(dir, "small.csv", "--skip-nonfinite 3 --dev-size 20 --model mlp:8 --epochs 2 --quiet");
  ASSERT_EQ(run.code, 0) << run.out << run.err;
  std::ifstream metrics_file(dir / "run" / "metrics.jsonl");
  std::string line;
  int epochs = 0;
  for (; std::getline(metrics_file, line); ++epochs) EXPECT_EQ(nlohmann::json::parse(line).at("skipped_steps"), 0);
  EXPECT_EQ(epochs, 2);
  // A closure optimizer evaluates its gradients inside its step, where no step can be skipped.
  const CliRun lbfgs =
      train_on(dir, "small.csv", "--skip-nonfinite 3 --optimizer lbfgs --dev-size 20 --model mlp:8 --epochs 1 --quiet",
               "lbfgs");
  EXPECT_EQ(lbfgs.code, 2);
  EXPECT_NE(lbfgs.err.find("closure optimizer"), std::string::npos) << lbfgs.err;
}

// Checkpoints of an accumulating run fall between optimizer steps only, so resuming from one
// ends with the bytes of the uninterrupted run.
TEST(TasksCli, AccumulatedRunsCheckpointAtStepsAndResumeExactly) {
  const fs::path dir = folder_with("accumulate", "small.csv", csv_text());
  const fs::path run_dir = dir / "run";
  // 60 training examples in batches of 10: steps after batches 4 and 6 of each epoch (the second
  // with the epoch's last 2 batches); every 3 batches a checkpoint is due, written at the next step.
  const CliRun run = train_on(dir, "small.csv",
                              "--accumulate-steps 4 --checkpoint-every 3 --keep-checkpoints 100 --batch-size 10 "
                              "--dev-size 20 --model mlp:8 --schedule-per batch --epochs 2 --quiet");
  ASSERT_EQ(run.code, 0) << run.out << run.err;
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(run_dir / "checkpoints")) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"step-0000000004.safetensors", "step-0000000006.safetensors",
                                             "step-0000000010.safetensors", "step-0000000012.safetensors"}));
  const std::string uninterrupted = read_file(run_dir / "best.safetensors");
  fs::remove(run_dir / "checkpoints" / "step-0000000012.safetensors");  // resume mid-epoch, after batch 10
  const CliRun resumed = run_cli("train --resume " + run_dir.string() + " --quiet");
  ASSERT_EQ(resumed.code, 0) << resumed.out << resumed.err;
  EXPECT_TRUE(read_file(run_dir / "best.safetensors") == uninterrupted);
}
