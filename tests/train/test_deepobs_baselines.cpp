// DeepOBS's baselines as descent keeps them: every value read back from the DeepOBS files they
// were copied from (tests/reference/deepobs_baselines.json holds those files' test curves), SGD,
// Momentum and Adam on every shared problem, and their rows and sources in the report's tables.
#include <gtest/gtest.h>

#include <set>

#include "common/reference.hpp"
#include "descent/train/benchmark_problems.hpp"
#include "descent/train/benchmark_report.hpp"
#include "descent/train/deepobs_baselines.hpp"

namespace descent {
namespace {

using testing::json;

const json& reference_runs() {
  static const json runs = testing::read_reference("deepobs_baselines.json")["runs"];
  return runs;
}

const json& run_of(const DeepObsBaseline& b) {
  for (const json& run : reference_runs())
    if (run["path"] == b.file) return run;
  throw std::runtime_error("no DeepOBS file " + b.file + " in deepobs_baselines.json");
}

std::string deepobs_name(const std::string& optimizer) {
  if (optimizer == "SGD") return "GradientDescentOptimizer";
  if (optimizer == "Momentum (0.99)") return "MomentumOptimizer";
  return optimizer == "Adam" ? "AdamOptimizer" : "?";
}

TEST(DeepObsBaselines, EveryKeptValueIsTheFilesValueAtThatEpoch) {
  for (const DeepObsBaseline& b : deepobs_baselines()) {
    SCOPED_TRACE(b.problem + " " + b.optimizer);
    const json& run = run_of(b);
    EXPECT_EQ(run["testproblem"], b.problem);
    EXPECT_EQ(run["optimizer"], deepobs_name(b.optimizer));
    EXPECT_EQ(run["random_seed"], b.seed);
    EXPECT_NE(b.file.find("/random_seed__" + std::to_string(b.seed) + "__"), std::string::npos);
    EXPECT_NEAR(run["learning_rate"].get<double>(), b.lr, 1e-9 * b.lr);
    // One value per epoch and one before training: 101 for DeepOBS's 100 epochs.
    const std::vector<double> loss = run["test_losses"];
    ASSERT_EQ(loss.size(), run["num_epochs"].get<std::size_t>() + 1);
    EXPECT_EQ(b.epochs.back(), run["num_epochs"].get<int>());
    ASSERT_EQ(b.test_loss.size(), b.epochs.size());
    const std::vector<double> acc = run.value("test_accuracies", std::vector<double>{});
    EXPECT_EQ(b.test_acc.size(), acc.empty() ? 0 : b.epochs.size());
    for (std::size_t k = 0; k < b.epochs.size(); ++k) {
      const auto epoch = static_cast<std::size_t>(b.epochs[k]);
      EXPECT_NEAR(b.test_loss[k], loss[epoch], 1e-7 * loss[epoch]) << "epoch " << epoch;
      if (!acc.empty()) EXPECT_NEAR(b.test_acc[k], acc[epoch], 1e-7) << "epoch " << epoch;
    }
  }
}

TEST(DeepObsBaselines, SgdMomentumAndAdamOnEverySharedProblem) {
  std::set<std::pair<std::string, std::string>> kept;
  for (const DeepObsBaseline& b : deepobs_baselines()) {
    EXPECT_NO_THROW(benchmark_problem(b.problem));
    kept.insert({b.problem, b.optimizer});
  }
  for (const char* problem : {"quadratic_deep", "fmnist_2c2d", "cifar10_3c3d"})
    for (const char* optimizer : {"SGD", "Momentum (0.99)", "Adam"})
      EXPECT_TRUE(kept.contains({problem, optimizer})) << problem << " " << optimizer;
  EXPECT_EQ(kept.size(), deepobs_baselines().size());  // one run each
}

// A shortened protocol (3 epochs) is set beside DeepOBS's epoch 2, the last kept one not past it.
TEST(DeepObsBaselines, ReportTablesShowThemAtTheMatchingEpochWithTheirFiles) {
  BenchmarkConfig config;
  config.problems = {"quadratic_deep", "cifar10_3c3d"};
  config.optimizers = {"adam"};
  config.epochs = 3;
  const std::string tables = benchmark_tables(config, {});
  EXPECT_NE(tables.find("| DeepOBS Adam (seed 44, epoch 2) | 0.03981 | 1 | — | — | 110.6 |"), std::string::npos)
      << tables;
  EXPECT_NE(tables.find("| DeepOBS SGD (seed 45, epoch 2) | 0.0631 | 1 | — | — | 2.289 | 55.97% | — |"),
            std::string::npos)
      << tables;
  for (const DeepObsBaseline& b : deepobs_baselines())
    if (b.problem != "fmnist_2c2d") EXPECT_NE(tables.find("`" + b.file + "`"), std::string::npos) << b.file;
  EXPECT_EQ(tables.find("fmnist_2c2d/"), std::string::npos);  // only the problems benchmarked
}

}  // namespace
}  // namespace descent
