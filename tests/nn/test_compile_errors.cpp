// The mistakes a LibTorch user makes with modules fail to compile with one short error that
// names the fix. Each program in compile_checks/ is compiled here (syntax only) with the
// compiler on PATH; accepted.cpp is the control that must compile.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/skip.hpp"

namespace {

struct Compilation {
  int status;
  std::string output;
};

Compilation compile(const std::string& file) {
  const std::string source_dir = DESCENT_SOURCE_DIR;
  const std::string command = "c++ -std=c++20 -fsyntax-only -I" + source_dir + "/src " + source_dir +
                              "/tests/nn/compile_checks/" + file + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {-1, "could not run: " + command};
  std::string output;
  std::array<char, 4096> chunk{};
  while (fgets(chunk.data(), static_cast<int>(chunk.size()), pipe)) output += chunk.data();
  return {pclose(pipe), output};
}

int count_errors(const std::string& output) {
  int errors = 0;
  for (std::size_t at = output.find("error:"); at != std::string::npos; at = output.find("error:", at + 1)) ++errors;
  return errors;
}

bool compiler_missing() { return std::system("c++ --version >/dev/null 2>&1") != 0; }

void expect_one_error(const std::string& file, const std::string& fix) {
  const Compilation result = compile(file);
  EXPECT_NE(result.status, 0) << file << " compiled";
  EXPECT_EQ(count_errors(result.output), 1) << result.output;
  EXPECT_NE(result.output.find(fix), std::string::npos) << result.output;
}

}  // namespace

TEST(ModuleCompileErrors, ControlCompiles) {
  if (compiler_missing()) DESCENT_SKIP() << "no c++ on PATH";
  const Compilation result = compile("accepted.cpp");
  EXPECT_EQ(result.status, 0) << result.output;
}

TEST(ModuleCompileErrors, ByValueForwardNamesTheSignature) {
  if (compiler_missing()) DESCENT_SKIP() << "no c++ on PATH";
  expect_one_error("forward_by_value.cpp", "declare it as `Tensor forward(const Tensor& x) override`");
}

TEST(ModuleCompileErrors, SequentialRefusesAForwardOfSeveralTensors) {
  if (compiler_missing()) DESCENT_SKIP() << "no c++ on PATH";
  expect_one_error("forward_of_two_tensors.cpp",
                   "a module whose forward takes several tensors cannot be one of its layers");
}

TEST(ModuleCompileErrors, NamedModuleIsMovedNotCopied) {
  if (compiler_missing()) DESCENT_SKIP() << "no c++ on PATH";
  expect_one_error("module_copied.cpp", "pass a temporary (Linear(2, 64)), std::move(module), or a std::shared_ptr");
}
