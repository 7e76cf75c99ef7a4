// `descent train --optimizer SPEC` as a user writes it: a duplicate key, a non-finite value or
// a misspelled key is refused on one line that says what is wrong and what is valid, and
// wrappers nest to any depth.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/run_descent.hpp"
#include "common/scratch.hpp"

namespace fs = std::filesystem;
using descent::testing::CliOutput;
using descent::testing::run_descent;

namespace {

// A small CSV classification set (2 features, label last) and the flags of a one-epoch run on it.
std::string train_flags(const fs::path& dir) {
  std::string csv = "x1,x2,label\n";
  for (int i = 0; i < 120; ++i) {
    const double a = (i % 13) / 13.0, b = (i % 5) / 5.0;
    csv += std::to_string(a) + "," + std::to_string(b) + "," + (a + b > 0.9 ? "1" : "0") + "\n";
  }
  std::ofstream(dir / "small.csv") << csv;
  return "train --data " + (dir / "small.csv").string() +
         " --dev-size 20 --model mlp:4 --batch-size 16 --threads 1 --out " + (dir / "run").string();
}

void expect_refused(const CliOutput& o, const std::string& needle) {
  EXPECT_NE(o.code, 0) << o.out;
  EXPECT_NE(o.out.find(needle), std::string::npos) << "missing '" << needle << "' in: " << o.out;
  EXPECT_EQ(o.out.find("terminate called"), std::string::npos) << o.out;
}

}  // namespace

TEST(OptimizerSpecs, DuplicateKeysAreRefused) {
  const std::string flags = train_flags(descent::testing::fresh_dir("cli", "duplicate"));
  expect_refused(run_descent(flags + " --epochs 1 --optimizer sgd:lr=0.1,lr=0.2"), "lr");
  // betas sets beta1 too: giving both is the same key twice.
  expect_refused(run_descent(flags + " --epochs 1 --optimizer adam:beta1=0.8,betas=0.9/0.99"), "beta1");
}

TEST(OptimizerSpecs, NonFiniteValuesAreRefused) {
  const std::string flags = train_flags(descent::testing::fresh_dir("cli", "nonfinite"));
  expect_refused(run_descent(flags + " --epochs 1 --optimizer sgd:lr=inf"), "inf");
  expect_refused(run_descent(flags + " --epochs 1 --optimizer adam:lr=nan"), "nan");
}

TEST(OptimizerSpecs, UnknownKeyIsNamedWithTheValidOnes) {
  const std::string flags = train_flags(descent::testing::fresh_dir("cli", "unknown"));
  const CliOutput o = run_descent(flags + " --epochs 1 --optimizer adam:betass=0.9/0.99");
  expect_refused(o, "unknown hyperparameter 'betass'");
  for (const char* key : {"lr", "betas", "eps", "weight_decay", "amsgrad"})
    EXPECT_NE(o.out.find(key), std::string::npos) << key << " not listed in: " << o.out;
  EXPECT_EQ(o.out.find("not a number"), std::string::npos) << o.out;
}

TEST(OptimizerSpecs, NestedLookaheadTrains) {
  const std::string flags = train_flags(descent::testing::fresh_dir("cli", "nested"));
  const CliOutput o = run_descent(flags + " --epochs 2 --optimizer 'lookahead(lookahead(sgd:lr=1e-1):k=5):k=3'");
  ASSERT_EQ(o.code, 0) << o.out;
  EXPECT_NE(o.out.find("epoch   2"), std::string::npos) << o.out;
}

TEST(OptimizerSpecs, AdoptAdafactorProdigyTrainAndRefuseOutOfRangeValues) {
  const std::string flags = train_flags(descent::testing::fresh_dir("cli", "adopt_adafactor_prodigy"));
  for (const char* spec : {"adopt:lr=0.01", "adafactor", "prodigy"}) {
    const CliOutput o = run_descent(flags + " --epochs 1 --overwrite --optimizer " + spec);
    EXPECT_EQ(o.code, 0) << spec << ": " << o.out;
  }
  for (const auto& [spec, needle] :
       {std::pair{"adopt:betas=0.9/1", "0 <= beta2 < 1"}, {"adafactor:d=0.5", "1 <= d"}, {"prodigy:d0=0", "0 < d0"}}) {
    const CliOutput o = run_descent(flags + " --epochs 1 --overwrite --optimizer " + spec);
    expect_refused(o, needle);
    EXPECT_EQ(o.code, 2) << o.out;
    EXPECT_EQ(std::count(o.out.begin(), o.out.end(), '\n'), 1) << o.out;
  }
}

TEST(OptimizerSpecs, SamWithoutInnerIsRefusedOnOneLine) {
  const std::string flags = train_flags(descent::testing::fresh_dir("cli", "sam_alone"));
  for (const char* spec : {"sam", "sam:rho=0.05"}) {
    const CliOutput o = run_descent(flags + " --epochs 1 --optimizer " + spec);
    expect_refused(o, "sam wraps one optimizer: write sam(INNER_SPEC)");
    EXPECT_EQ(o.code, 2) << o.out;
    EXPECT_EQ(std::count(o.out.begin(), o.out.end(), '\n'), 1) << o.out;
  }
}

TEST(OptimizerSpecs, SamAndMuonTrainAndMuonNamesItsAdamWGroup) {
  const std::string flags = train_flags(descent::testing::fresh_dir("cli", "sam_muon"));
  const CliOutput sam =
      run_descent(flags + " --epochs 2 --overwrite --optimizer 'sam(sgd:lr=0.1,momentum=0.9):rho=0.05'");
  ASSERT_EQ(sam.code, 0) << sam.out;
  EXPECT_NE(sam.out.find("epoch   2"), std::string::npos) << sam.out;
  const CliOutput muon = run_descent(flags + " --epochs 1 --overwrite --optimizer muon:lr=0.02");
  ASSERT_EQ(muon.code, 0) << muon.out;
  EXPECT_NE(muon.out.find("optimizer muon:lr=0.02; muon for 2 matrices (16 values), adamw for 2 other parameters"),
            std::string::npos)
      << muon.out;
}

TEST(OptimizerSpecs, TrajectoryRunsEveryNewOptimizer) {
  for (const char* spec : {"adopt:lr=0.01", "adafactor", "prodigy", "'sam(adam:lr=0.01)'", "muon:lr=0.001"}) {
    const CliOutput o = run_descent(std::string("trajectory --function rosenbrock --steps 5 --optimizer ") + spec);
    EXPECT_EQ(o.code, 0) << spec << ": " << o.out;
    EXPECT_NE(o.out.find("known minimum"), std::string::npos) << spec << ": " << o.out;
  }
}
