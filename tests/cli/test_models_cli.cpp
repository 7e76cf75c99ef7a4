// Conv models on the command line: `descent summary`, a LeNet-5 whose weights give the same
// test accuracy in PyTorch and come back through scripts/from_pytorch.py, and --init-from
// refusing weights of another shape with one line naming the tensor.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "common/run_descent.hpp"
#include "common/skip.hpp"

namespace fs = std::filesystem;

namespace {

using Output = descent::testing::CliOutput;
Output run(const std::string& args) { return descent::testing::run_descent(args); }

const fs::path kMnist = fs::path(DESCENT_SOURCE_DIR) / "data/mnist";

fs::path temp_dir() {
  fs::path p = fs::temp_directory_path() / ("descent_models_cli_" + std::to_string(::getpid()));
  fs::create_directories(p);
  return p;
}

Output python(const std::string& script_and_args) {
  const std::string cmd =
      "/usr/bin/python3 " + std::string(DESCENT_SOURCE_DIR) + "/scripts/" + script_and_args + " 2>&1";
  Output o{0, ""};
  FILE* p = popen(cmd.c_str(), "r");
  char buf[512];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) o.out.append(buf, n);
  o.code = pclose(p);
  return o;
}

// "test_acc 91.23%" as descent eval and to_pytorch.py print it.
double accuracy(const std::string& out) { return std::stod(out.substr(out.find("test_acc ") + 9)); }

}  // namespace

TEST(SummaryCli, LeNetOnMnist) {
  if (!fs::exists(kMnist / "t10k-images-idx3-ubyte")) DESCENT_SKIP() << "MNIST not fetched";
  const Output o = run("summary --model lenet5 --data " + kMnist.string());
  ASSERT_EQ(o.code, 0) << o.out;
  EXPECT_NE(o.out.find("1 (Conv2d)"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("(6, 28, 28)"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("lenet5: 61,706 parameters, 416,520 multiply-adds per example"), std::string::npos) << o.out;
  const Output bad = run("summary --model cnn:c6k5-m2-c16k13 --data " + kMnist.string());
  EXPECT_NE(bad.code, 0);
  EXPECT_NE(bad.out.find("layer 3 'c16k13'"), std::string::npos) << bad.out;
}

// A LeNet-5 trained briefly (5,000 images, one epoch): descent and PyTorch agree on its test
// accuracy, the state_dict PyTorch saves converts back to the same accuracy, and
// --init-from takes it for the same model and refuses it for another.
TEST(ModelsCli, LeNetWeightsRoundTripThroughPyTorch) {
  if (!fs::exists(kMnist / "t10k-images-idx3-ubyte")) DESCENT_SKIP() << "MNIST not fetched";
  if (std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0)
    DESCENT_SKIP() << "python3-torch not installed";
  const fs::path dir = temp_dir();
  const std::string data = " --data " + kMnist.string();
  const Output trained = run("train --model lenet5" + data + " --dev-size 55000 --epochs 1 --threads 1 --quiet --out " +
                             (dir / "r").string());
  ASSERT_EQ(trained.code, 0) << trained.out;
  const std::string weights = (dir / "r" / "best.safetensors").string();
  const Output ours = run("eval --weights " + weights + data + " --threads 1");
  ASSERT_EQ(ours.code, 0) << ours.out;
  const std::string state_dict = (dir / "lenet5.pt").string();
  const Output theirs = python("to_pytorch.py " + weights + data + " --save-state-dict " + state_dict);
  ASSERT_EQ(theirs.code, 0) << theirs.out;
  EXPECT_NEAR(accuracy(ours.out), accuracy(theirs.out), 0.011) << ours.out << theirs.out;

  const std::string converted = (dir / "converted.safetensors").string();
  const Output back = python("from_pytorch.py " + state_dict + " " + converted + " --model lenet5 --dropout 0.2");
  ASSERT_EQ(back.code, 0) << back.out;
  const Output again = run("eval --weights " + converted + data + " --threads 1");
  ASSERT_EQ(again.code, 0) << again.out;
  EXPECT_EQ(accuracy(again.out), accuracy(ours.out)) << again.out << ours.out;

  const std::string start = " --dev-size 55000 --epochs 0 --threads 1 --quiet --init-from " + converted;
  const Output same = run("train --model lenet5" + data + start + " --out " + (dir / "s").string());
  EXPECT_EQ(same.code, 0) << same.out;
  const Output other = run("train --model cnn:c8k5p2-m2-c16k5-m2-f120-f84" + data + start);
  EXPECT_NE(other.code, 0);
  EXPECT_NE(other.out.find("tensor '1.weight' has shape [6, 1, 5, 5] but the model expects [8, 1, 5, 5]"),
            std::string::npos)
      << other.out;
  fs::remove_all(dir);
}
