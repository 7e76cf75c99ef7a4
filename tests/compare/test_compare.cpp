// descent compare: every optimizer starts from the same weights and sees the same minibatches,
// the table and plots are written, and bad specs are refused before any training.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>
#include "common/run_descent.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "descent/core/error.hpp"
#include "descent/train/compare.hpp"
#include "landscape/render_check.hpp"

namespace fs = std::filesystem;
using namespace descent;

namespace {

fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("descent_compare_" + std::to_string(::getpid())) / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

std::string read(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// A quick problem: the synthetic two-class spirals, a small MLP, two epochs.
TrainConfig small_config(const fs::path& out) {
  TrainConfig c;
  c.data = "spirals";
  c.dev_size = 300;
  c.model = "mlp:16";
  c.epochs = 2;
  c.batch_size = 32;
  c.seed = 7;
  c.threads = 1;
  c.quiet = true;
  c.out = out.string();
  return c;
}

using Output = descent::testing::CliOutput;
Output run_cli(const std::string& args) { return descent::testing::run_descent(args); }

}  // namespace

TEST(Compare, RunFolderNamesAreSafeAndUnique) {
  const std::vector<std::string> names =
      run_folder_names({"sgd:lr=0.1,momentum=0.9", "sgd:lr=0.1,momentum=0.9", "lookahead(adam):k=5", "a/b"});
  EXPECT_EQ(names[0], "sgd_lr=0.1_momentum=0.9");
  EXPECT_EQ(names[1], "sgd_lr=0.1_momentum=0.9-2");
  EXPECT_EQ(names[2], "lookahead_adam__k=5");
  EXPECT_EQ(names[3], "a_b");
}

TEST(Compare, IdenticalSpecsGiveIdenticalRunsAndEveryOptimizerStartsAlike) {
  const fs::path dir = temp_dir("same");
  const Comparison c = compare_optimizers(small_config(dir), {"sgd:lr=0.1", "sgd:lr=0.1", "adam:lr=1e-2"});
  ASSERT_EQ(c.runs.size(), 3u);
  EXPECT_TRUE(c.classification);
  const FitResult &a = c.runs[0].result, &b = c.runs[1].result, &adam = c.runs[2].result;
  // Same initialization and the same minibatches in the same order: bit-identical histories.
  ASSERT_EQ(a.history.size(), 2u);
  ASSERT_EQ(a.history.size(), b.history.size());
  for (std::size_t e = 0; e < a.history.size(); ++e) {
    EXPECT_EQ(a.history[e].train_loss, b.history[e].train_loss);
    EXPECT_EQ(a.history[e].dev_acc, b.history[e].dev_acc);
  }
  EXPECT_EQ(a.step_losses, b.step_losses);
  EXPECT_EQ(a.test_acc, b.test_acc);
  // A different optimizer: the first loss (before any update) is the same, the next ones are not.
  ASSERT_EQ(adam.step_losses.size(), a.step_losses.size());
  EXPECT_EQ(adam.step_losses[0], a.step_losses[0]);
  EXPECT_NE(adam.step_losses[1], a.step_losses[1]);
  // 1,300 training examples in batches of 32: 41 steps per epoch.
  EXPECT_EQ(a.step_losses.size(), 82u);

  for (const char* run : {"sgd_lr=0.1", "sgd_lr=0.1-2", "adam_lr=1e-2"})
    for (const char* file : {"config.json", "metrics.jsonl", "summary.json", "best.safetensors"})
      EXPECT_TRUE(fs::exists(dir / run / file)) << run << "/" << file;
  EXPECT_NE(read(dir / "adam_lr=1e-2" / "config.json").find("\"adam:lr=1e-2\""), std::string::npos);
}

TEST(Compare, WritesTableAndPlots) {
  const fs::path dir = temp_dir("files");
  const Comparison c = compare_optimizers(small_config(dir), {"sgd:lr=0.1,momentum=0.9", "rmsprop:lr=1e-3"});
  const std::vector<std::string> warnings = write_comparison(c, dir, 0.9);
  EXPECT_TRUE(warnings.empty());
  const std::string table = read(dir / "table.md");
  EXPECT_NE(table.find("| optimizer | final training loss | best dev accuracy | test accuracy | time |"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("| `sgd:lr=0.1,momentum=0.9` | "), std::string::npos) << table;
  EXPECT_NE(table.find("| `rmsprop:lr=1e-3` | "), std::string::npos) << table;
  EXPECT_EQ(table, comparison_table(c));
  for (const char* file : {"epochs.svg", "steps.svg"}) {
    const std::string svg = read(dir / file);
    EXPECT_EQ(svg.rfind("<svg", 0), 0u) << file;
    EXPECT_NE(svg.find("rmsprop:lr=1e-3"), std::string::npos) << file;  // in the legend
  }
  EXPECT_NE(read(dir / "epochs.svg").find("Dev accuracy per epoch"), std::string::npos);
  EXPECT_NE(read(dir / "steps.svg").find("Training loss per step"), std::string::npos);
}

TEST(Compare, DivergedRunIsNotedNotFatal) {
  const fs::path dir = temp_dir("diverged");
  const Comparison c = compare_optimizers(small_config(dir), {"adam:lr=1e-2", "sgd:lr=1e30"});
  ASSERT_TRUE(c.runs[1].result.diverged);
  const std::string table = comparison_table(c);
  EXPECT_NE(table.find("- `sgd:lr=1e30`: the training loss became"), std::string::npos) << table;
  EXPECT_NO_THROW(write_comparison(c, dir, 0.5));
}

TEST(Compare, RegressionTablesAndPlotsShowLosses) {
  const fs::path dir = temp_dir("regression");
  TrainConfig config = small_config(dir);
  config.data = "linear-regression";
  config.loss = "mse";
  config.model = "linear";
  const Comparison c = compare_optimizers(config, {"sgd:lr=0.01", "adam:lr=1e-2"});
  EXPECT_FALSE(c.classification);
  const std::string table = comparison_table(c);
  EXPECT_NE(table.find("| optimizer | final training loss | best dev loss | test loss | time |"), std::string::npos)
      << table;
  EXPECT_NE(plot_comparison_epochs(c).svg.find("Dev loss per epoch"), std::string::npos);
}

TEST(Compare, BadSpecsAreRefusedBeforeTraining) {
  const fs::path dir = temp_dir("bad");
  try {
    compare_optimizers(small_config(dir), {"sgd:lr=0.1", "adamm:lr=1e-3"});
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("--optimizer 'adamm:lr=1e-3'"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir / "sgd_lr=0.1")) << "a run trained before the bad spec was noticed";
  EXPECT_THROW(compare_optimizers(small_config(dir), {"sgd:lr=-1"}), ValueError);
  EXPECT_THROW(compare_optimizers(small_config(dir), {"sgd:lr=0.1,betas=0.9/0.99"}), ValueError);
  EXPECT_THROW(compare_optimizers(small_config(dir), {}), ValueError);
  EXPECT_THROW(compare_optimizers(small_config(""), {"sgd:lr=0.1"}), ValueError);
}

TEST(CompareCli, RunsAndPrintsTheTable) {
  const fs::path dir = temp_dir("cli");
  const Output o = run_cli(
      "compare --data xor --dev-size 200 --model mlp:8 --epochs 1 --threads 1 --quiet "
      "--optimizer sgd:lr=0.1 --optimizer adagrad:lr=0.01 --out " +
      dir.string());
  EXPECT_EQ(o.code, 0) << o.out;
  EXPECT_NE(o.out.find("| `adagrad:lr=0.01` |"), std::string::npos) << o.out;
  EXPECT_TRUE(fs::exists(dir / "table.md"));
  ASSERT_NO_FATAL_FAILURE(test::expect_renders(dir / "epochs.svg", 960, 440));
  ASSERT_NO_FATAL_FAILURE(test::expect_renders(dir / "steps.svg", 960, 480));
}

TEST(CompareCli, BadInputGivesOneClearLine) {
  const fs::path dir = temp_dir("cli_bad");
  Output o = run_cli("compare --data xor --optimizer nosuch --out " + dir.string());
  EXPECT_NE(o.code, 0);
  EXPECT_NE(o.out.find("--optimizer 'nosuch'"), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find("terminate called"), std::string::npos) << o.out;
  o = run_cli("compare --data xor --out " + dir.string());
  EXPECT_NE(o.code, 0);
  EXPECT_NE(o.out.find("--optimizer"), std::string::npos) << o.out;
  o = run_cli("compare --data xor --optimizer sgd --out " + dir.string() + " --smoothing 1");
  EXPECT_NE(o.code, 0);
  EXPECT_NE(o.out.find("--smoothing"), std::string::npos) << o.out;
}
