// Replays every committed fuzzing input (fuzz/corpus/<name>/: the seeds and each crash the
// fuzzers found) through the entry function its harness fuzzes, so that a parser that crashed
// once stays fixed. Inputs must be accepted or refused with a descent::Error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "entries.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kCorpus = fs::path(DESCENT_SOURCE_DIR) / "fuzz" / "corpus";

std::vector<uint8_t> bytes_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class FuzzReplay : public ::testing::TestWithParam<descent::fuzz::Entry> {};

TEST_P(FuzzReplay, EveryCorpusInputIsAcceptedOrRefusedWithAnError) {
  const fs::path folder = kCorpus / GetParam().name;
  ASSERT_TRUE(fs::is_directory(folder)) << folder << " is missing: every harness has a seed corpus";
  int inputs = 0;
  for (const auto& file : fs::directory_iterator(folder)) {
    SCOPED_TRACE(file.path().string());
    const std::vector<uint8_t> bytes = bytes_of(file.path());
    EXPECT_NO_THROW(GetParam().run(bytes));
    ++inputs;
  }
  EXPECT_GT(inputs, 0) << folder << " is empty";
}

INSTANTIATE_TEST_SUITE_P(Parsers, FuzzReplay, ::testing::ValuesIn(descent::fuzz::entries()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(FuzzReplayCorpus, EveryCorpusFolderHasAnEntryFunction) {
  std::set<std::string> names;
  for (const auto& entry : descent::fuzz::entries()) names.emplace(entry.name);
  for (const auto& folder : fs::directory_iterator(kCorpus))
    EXPECT_TRUE(names.count(folder.path().filename().string())) << folder.path() << " has no harness";
}

}  // namespace
