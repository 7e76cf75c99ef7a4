// Reading metrics.jsonl and plotting runs: good files, and every bad file names itself.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "descent/core/error.hpp"
#include "descent/viz/run_plot.hpp"
#include "viz/xml_check.hpp"

using namespace descent;
using namespace descent::viz;
namespace fs = std::filesystem;

namespace {

// A fresh folder under the build tree for each test.
fs::path scratch(const std::string& name) {
  fs::path dir = fs::path(DESCENT_BINARY_DIR) / "viz_test_runs" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file) << text;
}

const char* good =
    R"({"epoch": 1, "train_loss": 0.9, "train_acc": 0.7, "dev_loss": 0.8, "dev_acc": 0.75, "lr": 0.1, "seconds": 1.5, "optimizer": "sgd"})"
    "\n\n"
    R"({"epoch": 2, "train_loss": 0.5, "train_acc": 0.85, "dev_loss": null, "dev_acc": 0.82, "lr": 0.1, "seconds": 1.4})"
    "\n";

std::string message_of(const fs::path& file) {
  try {
    read_metrics(file);
  } catch (const IOError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(Metrics, ReadsNumericFieldsAndNulls) {
  fs::path dir = scratch("good");
  write(dir / "metrics.jsonl", good);
  MetricsLog log = read_metrics(dir / "metrics.jsonl");
  ASSERT_EQ(log.records.size(), 2u);
  EXPECT_EQ(log.column("epoch"), (std::vector<double>{1, 2}));
  EXPECT_DOUBLE_EQ(log.column("dev_acc")[1], 0.82);
  EXPECT_TRUE(std::isnan(log.column("dev_loss")[1]));
  EXPECT_TRUE(log.has("lr"));
  EXPECT_FALSE(log.has("optimizer"));  // a string, not a number
  EXPECT_TRUE(std::isnan(log.column("missing")[0]));
}

TEST(Metrics, NaNAndInfinityAsStrings) {
  fs::path dir = scratch("nan");
  write(dir / "metrics.jsonl", R"({"epoch": 1, "train_loss": "NaN", "dev_loss": "-inf"})"
                               "\n");
  MetricsLog log = read_metrics(dir / "metrics.jsonl");
  EXPECT_TRUE(std::isnan(log.column("train_loss")[0]));
  EXPECT_EQ(log.column("dev_loss")[0], -INFINITY);
}

TEST(Metrics, BadFilesNameFileAndLine) {
  fs::path dir = scratch("bad");
  write(dir / "empty.jsonl", "\n  \n");
  EXPECT_NE(message_of(dir / "empty.jsonl").find("empty.jsonl is empty"), std::string::npos);
  write(dir / "broken.jsonl", std::string(good) + "{\"epoch\": 3, \"train_loss\": \n");
  std::string broken = message_of(dir / "broken.jsonl");
  EXPECT_NE(broken.find("broken.jsonl:4: not valid JSON"), std::string::npos) << broken;
  write(dir / "array.jsonl", "[1, 2]\n");
  EXPECT_NE(message_of(dir / "array.jsonl").find("array.jsonl:1: expected a JSON object per line, got array"),
            std::string::npos);
  write(dir / "noepoch.jsonl", R"({"train_loss": 1})"
                               "\n");
  EXPECT_NE(message_of(dir / "noepoch.jsonl").find("noepoch.jsonl:1: the record has no numeric \"epoch\""),
            std::string::npos);
  EXPECT_NE(message_of(dir / "absent.jsonl").find("cannot open metrics file"), std::string::npos);
}

TEST(Runs, NamedByFolderAndMadeUniqueByParent) {
  fs::path root = scratch("runs");
  write(root / "a" / "adam" / "metrics.jsonl", good);
  write(root / "b" / "adam" / "metrics.jsonl", good);
  write(root / "sgd" / "metrics.jsonl", good);
  std::vector<viz::RunLog> runs =
      read_runs({root / "a" / "adam", root / "b" / "adam/", root / "sgd" / "metrics.jsonl"});
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].name, "a/adam");
  EXPECT_EQ(runs[1].name, "b/adam");
  EXPECT_EQ(runs[2].name, "sgd");
  EXPECT_THROW(read_runs({root / "nowhere"}), IOError);
  fs::create_directories(root / "empty_dir");
  EXPECT_THROW(read_runs({root / "empty_dir"}), IOError);
}

TEST(Runs, PlotHasBothPanelsAndOneColourPerRun) {
  fs::path root = scratch("plot");
  write(root / "sgd" / "metrics.jsonl", good);
  write(root / "adam" / "metrics.jsonl", R"({"epoch": 1, "train_loss": 0.6, "dev_acc": 0.8})"
                                         "\n"
                                         R"({"epoch": 2, "train_loss": 0.3, "dev_acc": 0.9})"
                                         "\n");
  Rendered out = plot_runs(read_runs({root / "sgd", root / "adam"}), {.loss_scale = Scale::log});
  EXPECT_EQ(xml::xml_problem(out.svg), "");
  EXPECT_NE(out.svg.find(">Training loss<"), std::string::npos);
  EXPECT_NE(out.svg.find(">Dev accuracy<"), std::string::npos);
  EXPECT_NE(out.svg.find(">sgd<"), std::string::npos);
  EXPECT_NE(out.svg.find(">adam<"), std::string::npos);
  EXPECT_NE(out.svg.find(series_color(0).hex()), std::string::npos);
  EXPECT_NE(out.svg.find(series_color(1).hex()), std::string::npos);
}

TEST(Runs, RunWithoutTrainLossIsAnError) {
  fs::path root = scratch("noloss");
  write(root / "r" / "metrics.jsonl", R"({"epoch": 1, "dev_acc": 0.8})"
                                      "\n");
  try {
    plot_runs(read_runs({root / "r"}));
    FAIL() << "expected ValueError";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("metrics.jsonl: no \"train_loss\""), std::string::npos) << e.what();
  }
}
