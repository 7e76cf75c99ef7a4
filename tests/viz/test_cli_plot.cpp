// `descent plot` as a user runs it: good runs give an SVG and exit 0; a missing, empty or
// malformed metrics file gives one line naming the file (and line) and exit 2. Runs the built
// `descent` program; skipped when it has not been built.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/skip.hpp"
#include "viz/xml_check.hpp"

namespace fs = std::filesystem;

namespace {

fs::path descent_program() { return fs::path(DESCENT_BINARY_DIR) / "descent"; }

// One folder per test process: ctest runs tests of this program in parallel.
fs::path scratch() {
  fs::path dir = fs::path(DESCENT_BINARY_DIR) / ("viz_test_cli_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

std::string slurp(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Result {
  int status;
  std::string err;
};

Result run(const std::string& args) {
  fs::path err = scratch() / "stderr.txt";
  std::string command = descent_program().string() + " plot " + args + " > /dev/null 2> " + err.string();
  int raw = std::system(command.c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(err)};
}

fs::path run_dir(const std::string& name, const std::string& metrics) {
  fs::path dir = scratch() / name;
  fs::create_directories(dir);
  std::ofstream(dir / "metrics.jsonl") << metrics;
  return dir;
}

}  // namespace

class PlotCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(descent_program())) DESCENT_SKIP() << "build the descent program first";
  }
};

TEST_F(PlotCommand, WritesAnSvgWithOneLinePerRun) {
  fs::path a = run_dir("sgd", R"({"epoch": 1, "train_loss": 1.0, "dev_acc": 0.5})"
                              "\n"
                              R"({"epoch": 2, "train_loss": 0.5, "dev_acc": 0.7})"
                              "\n");
  fs::path b = run_dir("adam", R"({"epoch": 1, "train_loss": 0.8, "dev_acc": 0.6})"
                               "\n"
                               R"({"epoch": 2, "train_loss": 0.2, "dev_acc": 0.9})"
                               "\n");
  fs::path out = scratch() / "plot.svg";
  fs::remove(out);
  Result r = run(a.string() + " " + b.string() + " --out " + out.string() + " --log-loss");
  ASSERT_EQ(r.status, 0) << r.err;
  std::string svg = slurp(out);
  EXPECT_EQ(descent::viz::xml::xml_problem(svg), "");
  EXPECT_NE(svg.find(">sgd<"), std::string::npos);
  EXPECT_NE(svg.find(">adam<"), std::string::npos);
}

TEST_F(PlotCommand, MalformedLineIsNamedWithExit2) {
  fs::path bad = run_dir("bad", R"({"epoch": 1, "train_loss": 1.0})"
                                "\n"
                                "{\"epoch\": 2,, }\n");
  Result r = run(bad.string() + " --out " + (scratch() / "x.svg").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("bad/metrics.jsonl:2: not valid JSON"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(PlotCommand, EmptyFileAndMissingRunAreErrors) {
  fs::path empty = run_dir("empty", "");
  Result r = run(empty.string() + " --out " + (scratch() / "x.svg").string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("empty/metrics.jsonl is empty"), std::string::npos) << r.err;
  Result missing = run((scratch() / "no_such_run").string() + " --out " + (scratch() / "x.svg").string());
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("does not exist"), std::string::npos) << missing.err;
}

TEST_F(PlotCommand, OutIsRequired) {
  fs::path a = run_dir("sgd", R"({"epoch": 1, "train_loss": 1.0})"
                              "\n");
  EXPECT_NE(run(a.string()).status, 0);
}
