// `descent train --detect-anomaly` (torch.autograd.detect_anomaly): a run whose loss becomes NaN
// stops at the first op that produced a NaN or an infinity, naming it and its shapes in one line,
// where without the flag it only learns later that the loss was not finite.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "cli/cli_files.hpp"
#include "common/scratch.hpp"

using descent::testing::run_cli;
using descent::testing::ScratchDir;

namespace {

// Finite features near float32's largest value: dropout's 1/(1 - p) scaling overflows them.
void write_overflowing_data(const std::filesystem::path& csv) {
  std::ofstream out(csv);
  out << "a,b,label\n";
  for (int i = 0; i < 60; ++i) out << (i % 3 ? "3e38" : "-3e38") << ",3e38," << i % 2 << "\n";
}

TEST(DetectAnomalyCli, NamesTheFirstOpThatOverflowed) {
  const ScratchDir dir("anomaly_cli", "overflow");
  write_overflowing_data(dir / "big.csv");
  const std::string flags = "train --data " + (dir / "big.csv").string() +
                            " --dev-size 10 --model mlp:4 --dropout 0.2 --epochs 1 --threads 1 --quiet --out ";
  const auto plain = run_cli(flags + (dir / "plain").string());
  EXPECT_EQ(plain.code, 3) << plain.err;
  EXPECT_NE(plain.err.find("the training loss became NaN at epoch 1, step 1"), std::string::npos) << plain.err;

  const auto detected = run_cli(flags + (dir / "detected").string() + " --detect-anomaly");
  EXPECT_EQ(detected.code, 2) << detected.err;
  EXPECT_EQ(detected.err,
            "descent: error: anomaly: the forward of dropout produced an infinity (output shape [38, 4]; input "
            "shapes [38, 4])\n");
}

}  // namespace
