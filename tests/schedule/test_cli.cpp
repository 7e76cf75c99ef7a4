// `descent schedule`: the CSV a user sees, and a non-zero exit with one line on bad input.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "common/skip.hpp"
#include "helpers.hpp"

namespace {

struct Result {
  int exit_code;
  std::string out;
};

Result run(const std::string& args) {
  std::string exe = std::string(DESCENT_BINARY_DIR) + "/descent";
  if (!std::filesystem::exists(exe)) return {-1, ""};
  FILE* pipe = popen((exe + " schedule " + args + " 2>&1").c_str(), "r");
  std::string out;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe)) out += buf.data();
  int status = pclose(pipe);
  return {WEXITSTATUS(status), out};
}

#define REQUIRE_CLI(r) \
  if ((r).exit_code == -1) DESCENT_SKIP() << "build the descent_cli target first"

TEST(ScheduleCli, CsvRowsAreTheSeriesAfterEachStep) {
  Result r = run("--schedule 'warmup:steps=2+cosine:T_max=4' --lr 0.2 --steps 6 --csv");
  REQUIRE_CLI(r);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto series = descent::optim::schedule_series("warmup:steps=2+cosine:T_max=4", 0.2, 6);
  std::istringstream lines(r.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line, "step,lr");
  for (std::size_t t = 0; t < series.lr.size(); ++t) {
    ASSERT_TRUE(std::getline(lines, line));
    auto comma = line.find(',');
    EXPECT_EQ(std::stoul(line.substr(0, comma)), t);
    EXPECT_EQ(std::stod(line.substr(comma + 1)), series.lr[t]) << line;  // repr precision round-trips
  }
  EXPECT_FALSE(std::getline(lines, line));
  EXPECT_EQ(series.lr.front(), 0.0);
  EXPECT_EQ(series.lr[2], 0.2);
}

TEST(ScheduleCli, CycledMomentumGetsAColumn) {
  Result r = run("-s onecycle:total_steps=10 --lr 1 -n 10 --csv --optimizer adam");
  REQUIRE_CLI(r);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "step,lr,beta1");
  EXPECT_NE(r.out.find("\n2,1,0.85\n"), std::string::npos) << r.out;  // the peak: max lr, base beta1
}

TEST(ScheduleCli, BadSpecExitsNonZeroWithOneLine) {
  for (const char* args : {"-s cosin:T_max=3", "-s cosine:T_max=0", "-s 'multistep:milestones=9;3'",
                           "-s onecycle:total_steps=10 -n 12", "-s 'cyclic:base_lr=0.1,max_lr=0.01'", "-s plateau"}) {
    Result r = run(args);
    REQUIRE_CLI(r);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.out;
    EXPECT_EQ(r.out.rfind("descent: error: ", 0), 0u) << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  }
}

}  // namespace
