// `descent train` and `descent eval` as a user runs them: bad input gives one clear line on
// stderr and a non-zero exit, never a crash or a silent default; a small real run works.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include "common/run_descent.hpp"
#include "common/skip.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace fs = std::filesystem;

namespace {

using Output = descent::testing::CliOutput;
Output run(const std::string& args) { return descent::testing::run_descent(args); }

fs::path temp_dir() {
  fs::path p = fs::temp_directory_path() / ("descent_cli_" + std::to_string(::getpid()));
  fs::create_directories(p);
  return p;
}

void write(const fs::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f << bytes;
}

// A tiny CSV classification set: 2 features, label in the last column.
fs::path small_csv(const fs::path& dir) {
  std::string csv = "x1,x2,label\n";
  for (int i = 0; i < 200; ++i) {
    const double a = (i % 17) / 17.0, b = (i % 7) / 7.0;
    csv += std::to_string(a) + "," + std::to_string(b) + "," + (a + b > 0.9 ? "1" : "0") + "\n";
  }
  write(dir / "small.csv", csv);
  return dir / "small.csv";
}

void expect_one_line_error(const Output& o, const std::string& needle) {
  EXPECT_NE(o.code, 0) << o.out;
  EXPECT_NE(o.out.find(needle), std::string::npos) << "missing '" << needle << "' in: " << o.out;
  EXPECT_EQ(o.out.find("terminate called"), std::string::npos) << o.out;
}

}  // namespace

TEST(TrainCli, HelpListsTheFlags) {
  const Output o = run("train --help");
  EXPECT_EQ(o.code, 0);
  for (const char* flag :
       {"--data", "--model", "--optimizer", "--epochs", "--batch-size", "--seed", "--threads", "--out"})
    EXPECT_NE(o.out.find(flag), std::string::npos) << flag;
}

TEST(TrainCli, SmallCsvRunThenEval) {
  const fs::path dir = temp_dir();
  const fs::path csv = small_csv(dir);
  const fs::path run_dir = dir / "run";
  const Output o = run("train --data " + csv.string() +
                       " --dev-size 20 --model mlp:8 --epochs 3 --batch-size 16 --threads 1 --out " + run_dir.string());
  ASSERT_EQ(o.code, 0) << o.out;
  EXPECT_NE(o.out.find("epoch   3"), std::string::npos) << o.out;
  for (const char* f : {"config.json", "metrics.jsonl", "summary.json", "best.safetensors"})
    EXPECT_TRUE(fs::exists(run_dir / f)) << f;
  const Output e = run("eval --weights " + (run_dir / "best.safetensors").string());
  EXPECT_EQ(e.code, 0) << e.out;
  EXPECT_NE(e.out.find("test_acc"), std::string::npos) << e.out;
  fs::remove_all(dir);
}

// A first command on a built-in set needs no --dev-size or --loss: a set smaller than MNIST gives
// a tenth of its training examples to dev (the header says so), and the loss follows the task.
// config.json records both as resolved, so eval and --resume use the same.
TEST(TrainCli, DefaultsFitEveryBuiltInSet) {
  const fs::path dir = temp_dir() / "defaults";
  for (const std::string set : {"spirals", "xor", "blobs", "linear-regression"}) {
    SCOPED_TRACE(set);
    const fs::path run_dir = dir / set;
    const Output o = run("train --data " + set + " --model mlp:8 --epochs 1 --schedule constant --threads 1 --out " +
                         run_dir.string());
    ASSERT_EQ(o.code, 0) << o.out;
    EXPECT_NE(o.out.find("1440 train, 160 dev (a tenth of the training set; --dev-size N to choose), 400 test"),
              std::string::npos)
        << o.out;
    const std::string loss = set == "linear-regression" ? "mse" : "cross_entropy";
    EXPECT_NE(o.out.find("; loss " + loss + ";"), std::string::npos) << o.out;
    std::ifstream in(run_dir / "config.json");
    const nlohmann::json config = nlohmann::json::parse(in);
    EXPECT_EQ(config.at("dev_size"), 160);
    EXPECT_EQ(config.at("loss"), loss);
  }
  const std::string regression = (dir / "linear-regression").string();
  const Output eval = run("eval --weights " + regression + "/best.safetensors");
  EXPECT_EQ(eval.code, 0) << eval.out;
  EXPECT_NE(eval.out.find("test_loss"), std::string::npos) << eval.out;
  const Output resumed = run("train --resume " + regression + " --epochs 2");
  EXPECT_EQ(resumed.code, 0) << resumed.out;
  EXPECT_NE(resumed.out.find("epoch   2"), std::string::npos) << resumed.out;
  // Given explicitly, the loss and the dev size are the user's: refused where they do not fit.
  const std::string out = " --quiet --out " + (dir / "refused").string();
  expect_one_line_error(run("train --data linear-regression --loss cross_entropy" + out),
                        "--loss cross_entropy needs class indices as labels, and these are regression targets; use "
                        "--loss mse");
  expect_one_line_error(run("train --data blobs --dev-size 5000" + out),
                        "--dev-size 5000 leaves no training data (the training set has 1600 examples)");
  expect_one_line_error(run("train --data blobs --dev-size -1" + out), "--dev-size: must be >= 0, got -1");
  EXPECT_FALSE(fs::exists(dir / "refused"));
  fs::remove_all(dir);
}

TEST(TrainCli, BadFlagsAndSpecs) {
  const fs::path dir = temp_dir();
  const std::string data =
      "--data " + small_csv(dir).string() + " --dev-size 20 --epochs 1 --quiet --out " + (dir / "r").string();
  expect_one_line_error(run("train --no-such-flag"), "--no-such-flag");
  expect_one_line_error(run("train " + data + " --optimizer adamm"), "adam");  // lists the valid names
  expect_one_line_error(run("train " + data + " --optimizer sgd:lr=0.1,momentun=0.9"), "momentum");
  expect_one_line_error(run("train " + data + " --optimizer sgd:lr=-1"), "lr");
  expect_one_line_error(run("train " + data + " --batch-size 0"), "--batch-size");
  expect_one_line_error(run("train " + data + " --model mlp:0"), "mlp:0");
  expect_one_line_error(run("train " + data + " --model cnn"), "cnn");
  expect_one_line_error(run("train " + data + " --dev-size 1000"), "--dev-size");
  expect_one_line_error(run("train " + data + " --activation swish"), "swish");
  expect_one_line_error(run("train " + data + " --schedule cosine:T_max=0"), "T_max");
  fs::remove_all(dir);
}

TEST(TrainCli, PlateauPerBatchIsRefusedUpFront) {
  const fs::path dir = temp_dir();
  const Output o = run("train --data " + small_csv(dir).string() + " --dev-size 20 --epochs 1 --out " +
                       (dir / "plateau").string() + " --schedule plateau --schedule-per batch");
  EXPECT_EQ(o.code, 2) << o.out;
  EXPECT_EQ(std::count(o.out.begin(), o.out.end(), '\n'), 1) << o.out;  // the error alone: no data loaded
  EXPECT_NE(o.out.find("--schedule-per epoch"), std::string::npos) << o.out;
  EXPECT_FALSE(fs::exists(dir / "plateau"));
  fs::remove_all(dir);
}

TEST(TrainCli, BadDataFiles) {
  const fs::path dir = temp_dir();
  // A CSV with a non-numeric cell: the message names its row and column.
  write(dir / "bad.csv", "a,b,label\n1,2,0\n3,oops,1\n");
  const Output csv = run("train --data " + (dir / "bad.csv").string() + " --quiet --out " + (dir / "r").string());
  expect_one_line_error(csv, "oops");
  EXPECT_NE(csv.out.find("line 3"), std::string::npos) << csv.out;

  // IDX folder: wrong magic, truncated file, differing counts.
  const fs::path idx = dir / "idx";
  fs::create_directories(idx);
  auto header = [](uint32_t magic, std::initializer_list<uint32_t> dims) {
    std::string h;
    for (uint32_t v : {magic}) h += {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    for (uint32_t v : dims) h += {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    return h;
  };
  auto images = [&](uint32_t n) { return header(0x00000803, {n, 2, 2}) + std::string(n * 4, '\x10'); };
  auto labels = [&](uint32_t n) { return header(0x00000801, {n}) + std::string(n, '\x01'); };
  write(idx / "train-images-idx3-ubyte", images(10));
  write(idx / "train-labels-idx1-ubyte", labels(10));
  write(idx / "t10k-images-idx3-ubyte", images(5));
  write(idx / "t10k-labels-idx1-ubyte", labels(4));  // differing counts
  expect_one_line_error(run("train --data " + idx.string() + " --dev-size 2 --quiet --out " + (dir / "r").string()),
                        "5");
  write(idx / "t10k-labels-idx1-ubyte", header(0x00000802, {5}) + std::string(5, '\x01'));  // wrong magic
  expect_one_line_error(run("train --data " + idx.string() + " --dev-size 2 --quiet --out " + (dir / "r").string()),
                        "magic");
  write(idx / "t10k-labels-idx1-ubyte", labels(5).substr(0, 10));  // truncated
  expect_one_line_error(run("train --data " + idx.string() + " --dev-size 2 --quiet --out " + (dir / "r").string()),
                        "t10k-labels");
  expect_one_line_error(run("train --data " + (dir / "missing").string() + " --quiet"), "missing");
  fs::remove_all(dir);
}

TEST(TrainCli, DivergingRunStopsWithEpochAndStepAndKeepsBestWeights) {
  const fs::path dir = temp_dir();
  const Output o = run("train --data " + small_csv(dir).string() +
                       " --dev-size 20 --model mlp:8 --epochs 20 --optimizer sgd:lr=0.5 --schedule "
                       "exponential:gamma=1e6 --quiet --threads 1 --out " +
                       (dir / "r").string());
  EXPECT_EQ(o.code, 3) << o.out;
  EXPECT_NE(o.out.find("at epoch"), std::string::npos) << o.out;
  EXPECT_TRUE(fs::exists(dir / "r" / "best.safetensors"));
  fs::remove_all(dir);
}

TEST(TrainCli, OneMnistEpoch) {
  if (!fs::exists(fs::path(DESCENT_SOURCE_DIR) / "data/mnist/train-images-idx3-ubyte"))
    DESCENT_SKIP() << "MNIST not fetched (bash scripts/fetch_mnist.sh)";
  const fs::path dir = temp_dir();
  const Output o = run("train --data " + (fs::path(DESCENT_SOURCE_DIR) / "data/mnist").string() +
                       " --epochs 1 --threads 1 --quiet --out " + (dir / "r").string());
  ASSERT_EQ(o.code, 0) << o.out;
  std::ifstream in(dir / "r" / "summary.json");
  const auto summary = nlohmann::json::parse(in);
  EXPECT_GT(summary["test_acc"].get<double>(), 0.95);  // one epoch of Adam on a 256-128 MLP
  fs::remove_all(dir);
}

TEST(ScheduleCli, SvgIsWritten) {
  const fs::path dir = temp_dir();
  const Output o =
      run("schedule --schedule warmup:steps=5+cosine:T_max=45 --lr 0.1 --steps 50 --svg " + (dir / "s.svg").string());
  ASSERT_EQ(o.code, 0) << o.out;
  std::ifstream in(dir / "s.svg");
  const std::string svg{std::istreambuf_iterator<char>(in), {}};
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("Learning rate"), std::string::npos);
  expect_one_line_error(run("schedule --schedule nope --svg " + (dir / "t.svg").string()), "nope");
  EXPECT_FALSE(fs::exists(dir / "t.svg"));
  fs::remove_all(dir);
}

TEST(ToPytorch, SameTestAccuracyInPyTorch) {
  const fs::path mnist = fs::path(DESCENT_SOURCE_DIR) / "data/mnist";
  if (!fs::exists(mnist / "t10k-images-idx3-ubyte")) DESCENT_SKIP() << "MNIST not fetched";
  if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0)
    DESCENT_SKIP() << "python3-torch not installed";
  const fs::path dir = temp_dir();
  ASSERT_EQ(run("train --data " + mnist.string() +
                " --model mlp:32 --batch-norm --epochs 1 --threads 1 --quiet --out " + (dir / "r").string())
                .code,
            0);
  const std::string weights = (dir / "r" / "best.safetensors").string();
  const Output ours = run("eval --weights " + weights + " --data " + mnist.string() + " --threads 1");
  ASSERT_EQ(ours.code, 0) << ours.out;
  FILE* p = popen(("/usr/bin/python3 " + std::string(DESCENT_SOURCE_DIR) + "/scripts/to_pytorch.py " + weights +
                   " --data " + mnist.string() + " 2>&1")
                      .c_str(),
                  "r");
  std::string theirs;
  char buf[512];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) theirs.append(buf, n);
  ASSERT_EQ(pclose(p), 0) << theirs;
  // "test_acc 97.12%" in both (descent prints the percentage with 6 significant digits).
  auto accuracy = [](const std::string& s) { return std::stod(s.substr(s.find("test_acc ") + 9)); };
  EXPECT_NEAR(accuracy(ours.out), accuracy(theirs), 0.011) << ours.out << theirs;
  fs::remove_all(dir);
}

TEST(TrajectoryCli, SvgWithSeveralOptimizersAndBadInput) {
  const fs::path dir = temp_dir();
  const Output o =
      run("trajectory --function rosenbrock --optimizer adam:lr=0.05 --optimizer sgd:lr=0.01 --steps 50 --svg " +
          (dir / "t.svg").string());
  ASSERT_EQ(o.code, 0) << o.out;
  EXPECT_NE(o.out.find("(inf, inf)"), std::string::npos) << o.out;  // sgd:lr=0.01 blows up on Rosenbrock: reported
  std::ifstream in(dir / "t.svg");
  const std::string svg{std::istreambuf_iterator<char>(in), {}};
  EXPECT_NE(svg.find("adam:lr=0.05"), std::string::npos);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  expect_one_line_error(run("trajectory --function nope --svg " + (dir / "x.svg").string()), "valid:");
  expect_one_line_error(run("trajectory --start 100,100 --svg " + (dir / "x.svg").string()), "outside");
  expect_one_line_error(run("trajectory --animate"), "--svg");
  EXPECT_FALSE(fs::exists(dir / "x.svg"));
  const Output csv = run("trajectory --optimizer adam --optimizer sgd --steps 2 --csv");
  EXPECT_NE(csv.out.find("optimizer,step,x,y,f"), std::string::npos) << csv.out;
  fs::remove_all(dir);
}

// Weight averaging through the command: the header says what dev and test use, metrics.jsonl
// counts the averaged updates and shows the hyperparameters, and best.safetensors holds the
// averaged weights with their recomputed batch-norm statistics: `descent eval` on it gives the
// run's own test loss.
TEST(TrainCli, SwaAndEmaRunsEvaluateTheAverage) {
  const fs::path dir = temp_dir() / "averaging";
  fs::create_directories(dir);
  const fs::path csv = small_csv(dir);
  for (const std::string averaging : {"--swa-start 2 --schedule swa:swa_lr=0.05,anneal_epochs=1", "--ema 0.9"}) {
    SCOPED_TRACE(averaging);
    const fs::path run_dir = dir / "run";
    const Output o = run("train --data " + csv.string() +
                         " --dev-size 40 --model mlp:8 --batch-norm --optimizer sgd:lr=0.1,momentum=0.9 --epochs 3 "
                         "--batch-size 16 --threads 1 --overwrite --out " +
                         run_dir.string() + " " + averaging);
    ASSERT_EQ(o.code, 0) << o.out;
    EXPECT_NE(o.out.find("; dev and test use "), std::string::npos) << o.out;
    std::ifstream metrics(run_dir / "metrics.jsonl");
    std::vector<nlohmann::json> lines;
    for (std::string line; std::getline(metrics, line);) lines.push_back(nlohmann::json::parse(line));
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_GT(lines[2]["n_averaged"].get<int>(), 0);
    EXPECT_EQ(lines[2]["groups"][0]["momentum"], 0.9);
    std::ifstream summary_file(run_dir / "summary.json");
    const nlohmann::json summary = nlohmann::json::parse(summary_file);
    const Output e = run("eval --json --weights " + (run_dir / "best.safetensors").string());
    ASSERT_EQ(e.code, 0) << e.out;
    const nlohmann::json evaluated = nlohmann::json::parse(e.out.substr(e.out.find('{')));
    EXPECT_NEAR(evaluated["loss"].get<double>(), summary["test_loss"].get<double>(), 1e-6) << e.out;
  }
  fs::remove_all(dir);
}
