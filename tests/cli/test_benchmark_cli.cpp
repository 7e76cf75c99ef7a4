// `descent benchmark` and `descent lr-find` as a user runs them: the files a benchmark writes,
// the same results whatever --jobs is, a killed benchmark resumed, and one clear line for each
// bad input with nothing written or lost.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/cli_files.hpp"
#include "common/scratch.hpp"

namespace descent::testing {
namespace {

// A benchmark that finishes in a second: 2 optimizers × 3 lrs, then 1 more seed each.
const std::string kQuick =
    "benchmark --problem quadratic_deep --optimizer sgd --optimizer adam --lr-grid 1e-3:1e-1:3 --seeds 2 --epochs 2 "
    "--quiet";

std::vector<std::string> lines_of(const std::filesystem::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Each run's final metrics and curves by its key.
std::map<std::string, std::string> results_by_key(const std::filesystem::path& dir) {
  std::map<std::string, std::string> runs;
  for (const std::string& line : lines_of(dir / "results.jsonl")) {
    const nlohmann::json j = nlohmann::json::parse(line);
    runs[j["key"]] = j["final"].dump() + j["curves"]["train_loss"].dump() + j["curves"]["dev_loss"].dump();
  }
  return runs;
}

void expect_one_line_error(const CliRun& run, const std::string& needle) {
  EXPECT_NE(run.code, 0) << run.out << run.err;
  EXPECT_NE(run.err.find(needle), std::string::npos) << "missing '" << needle << "' in: " << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
}

TEST(BenchmarkCli, WritesResultsReportAndFigures) {
  const auto dir = fresh_dir("benchmark_cli", "files") / "run";
  const CliRun run = run_cli(kQuick + " --target dev_loss=200 --out " + dir.string());
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("| `adam` |"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("steps to dev_loss=200"), std::string::npos) << run.out;
  EXPECT_EQ(lines_of(dir / "results.jsonl").size(), 8u);  // 2 × 3 sweep runs + 2 × 1 seed reruns
  for (const char* file :
       {"benchmark.json", "report.md", "curves_quadratic_deep.svg", "lr_quadratic_deep.svg", "profile.svg"})
    EXPECT_TRUE(std::filesystem::exists(dir / file)) << file;
  EXPECT_FALSE(std::filesystem::exists(dir / ".workers"));
  const nlohmann::json first = nlohmann::json::parse(lines_of(dir / "results.jsonl")[0]);
  EXPECT_EQ(first["curves"]["epoch"].size(), 2u);
  EXPECT_TRUE(first["final"].contains("test_loss"));
  EXPECT_TRUE(first["target"]["reached"].is_object() || first["target"]["reached"].is_null());
}

TEST(BenchmarkCli, SameResultsWhateverTheJobs) {
  const auto root = fresh_dir("benchmark_cli", "jobs");
  ASSERT_EQ(run_cli(kQuick + " --jobs 1 --out " + (root / "one").string()).code, 0);
  ASSERT_EQ(run_cli(kQuick + " --jobs 3 --out " + (root / "three").string()).code, 0);
  EXPECT_EQ(results_by_key(root / "one"), results_by_key(root / "three"));
}

// A kill leaves results.jsonl with the finished runs and perhaps half a line; --resume runs the rest.
TEST(BenchmarkCli, ResumeFinishesAKilledBenchmarkExactly) {
  const auto root = fresh_dir("benchmark_cli", "resume");
  ASSERT_EQ(run_cli(kQuick + " --out " + (root / "whole").string()).code, 0);
  ASSERT_EQ(run_cli(kQuick + " --out " + (root / "killed").string()).code, 0);
  const std::vector<std::string> lines = lines_of(root / "killed" / "results.jsonl");
  std::string cut = lines[0] + "\n" + lines[1] + "\n" + lines[2].substr(0, lines[2].size() / 2);
  write_bytes(root / "killed" / "results.jsonl", cut);
  const CliRun resumed = run_cli("benchmark --resume " + (root / "killed").string() + " --jobs 2");
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_EQ(lines_of(root / "killed" / "results.jsonl").size(), 8u);
  EXPECT_EQ(results_by_key(root / "whole"), results_by_key(root / "killed"));
}

TEST(BenchmarkCli, BadInputIsOneLineAndWritesNothing) {
  const auto root = fresh_dir("benchmark_cli", "bad");
  const std::string out = " --out " + (root / "run").string();
  expect_one_line_error(run_cli("benchmark --problem mnist_vae --optimizer sgd" + out), "unknown problem 'mnist_vae'");
  expect_one_line_error(run_cli("benchmark --problem quadratic_deep --optimizer sgdd" + out), "sgdd");
  expect_one_line_error(run_cli("benchmark --problem quadratic_deep --optimizer sgd --target dev_acc=0.9" + out),
                        "reports no accuracy");
  expect_one_line_error(run_cli("benchmark --problem quadratic_deep --optimizer sgd --lr-grid 1e-5:1e2:0" + out),
                        "has no points");
  expect_one_line_error(run_cli("benchmark --problem quadratic_deep --optimizer sgd:lr=0.1" + out), "sweeps");
  EXPECT_FALSE(std::filesystem::exists(root / "run"));
}

TEST(BenchmarkCli, RefusesAFolderInUseAndResultsOfAnotherConfiguration) {
  const auto dir = fresh_dir("benchmark_cli", "other") / "run";
  ASSERT_EQ(run_cli(kQuick + " --out " + dir.string()).code, 0);
  const auto before = folder_bytes(dir);
  expect_one_line_error(run_cli(kQuick + " --out " + dir.string()), "--resume");
  expect_one_line_error(run_cli("benchmark --resume " + dir.string() + " --epochs 3"), "conflicts");
  // benchmark.json edited to another configuration: results.jsonl no longer belongs to it.
  std::string config = read_file(dir / "benchmark.json");
  config.replace(config.find("\"epochs\": 2"), 11, "\"epochs\": 3");
  write_bytes(dir / "benchmark.json", config);
  expect_one_line_error(run_cli("benchmark --resume " + dir.string()), "another benchmark configuration");
  EXPECT_EQ(read_file(dir / "results.jsonl"), before.at((dir / "results.jsonl").string()));
}

TEST(LrFindCli, DrawsTheCurveAndSuggestsARate) {
  const auto dir = fresh_dir("benchmark_cli", "lr_find");
  write_bytes(dir / "data.csv", csv_text());
  const CliRun run =
      run_cli("lr-find --data " + (dir / "data.csv").string() +
              " --dev-size 20 --model mlp:8 --optimizer sgd --steps 40 --start-lr 1e-4 --end-lr 100 --out " +
              (dir / "out").string());
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.out.find("suggest lr"), std::string::npos) << run.out;
  const nlohmann::json j = nlohmann::json::parse(read_file(dir / "out" / "lr_find.json"));
  EXPECT_GE(j["lr"].size(), 2u);
  EXPECT_LE(j["lr"].size(), 40u);
  EXPECT_GT(j["suggested_lr"].get<double>(), 0);
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "lr_find.svg"));
  expect_one_line_error(run_cli("lr-find --data " + (dir / "data.csv").string() +
                                " --dev-size 20 --start-lr 1 --end-lr 0.1 --out " + (dir / "bad").string()),
                        "--start-lr");
}

}  // namespace
}  // namespace descent::testing
