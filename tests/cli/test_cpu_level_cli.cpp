// `descent --version` names the instruction set level the hot loops run at, DESCENT_CPU lowers
// it, and a DESCENT_CPU that names no level ends the command with one line.
#include <gtest/gtest.h>

#include <string>

#include "common/run_descent.hpp"
#include "descent/kernels/cpu.hpp"

using descent::testing::run_descent;

TEST(CpuLevelCli, VersionNamesTheLevel) {
  const auto run = run_descent("--version");
  EXPECT_EQ(run.code, 0);
  EXPECT_EQ(run.out, std::string("descent 0.1.0 (") + descent::kernels::cpu_level_name(descent::kernels::cpu_level()) +
                         " loops)\n");
  EXPECT_EQ(run_descent("--version").out, run.out);
}

TEST(CpuLevelCli, DescentCpuLowersTheLevel) {
  const auto run = run_descent("--version", "DESCENT_CPU=baseline");
  EXPECT_EQ(run.code, 0);
  EXPECT_EQ(run.out, "descent 0.1.0 (baseline loops)\n");
}

TEST(CpuLevelCli, UnknownLevelIsOneLine) {
  const auto run = run_descent("optimizers", "DESCENT_CPU=avx3");
  EXPECT_EQ(run.code, 2);
  EXPECT_EQ(run.out,
            "descent: error: DESCENT_CPU=avx3 is not an instruction set level; expected avx512, avx2 or baseline\n");
}
