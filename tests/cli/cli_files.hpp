// What the CLI fault tests share: the `descent` command run from a chosen folder with stderr
// apart from stdout, small data files, and a whole folder's bytes to prove nothing changed.
#pragma once
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "common/scratch.hpp"

namespace descent::testing {

struct CliRun {
  int code;
  std::string out;  // stdout
  std::string err;  // stderr
};

// `descent ARGS` run in `folder` (the test's own when empty) with `env` ("NAME=VALUE ...") set.
inline CliRun run_cli(const std::string& args, const std::filesystem::path& folder = {}, const std::string& env = "") {
  const std::filesystem::path err_file =
      std::filesystem::temp_directory_path() / ("descent_cli_stderr_" + std::to_string(::getpid()));
  std::string cmd = folder.empty() ? "" : "cd '" + folder.string() + "' && ";
  cmd += env + " " + std::string(DESCENT_BINARY_DIR) + "/descent " + args + " 2>'" + err_file.string() + "'";
  CliRun run{0, "", ""};
  FILE* pipe = popen(cmd.c_str(), "r");
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, pipe)) run.out.append(buf, n);
  const int status = pclose(pipe);
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  run.err = read_file(err_file);
  std::filesystem::remove(err_file);
  return run;
}

inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

// 100 rows of two features in [0, 1) and a 0/1 label; `label_of(row, label)` may replace a label.
template <class F>
std::string csv_text(F&& label_of) {
  std::string text = "x1,x2,label\n";
  for (int row = 0; row < 100; ++row) {
    const double a = (row * 37 % 100) / 100.0, b = (row * 61 % 100) / 100.0;
    text += std::to_string(a) + "," + std::to_string(b) + "," + label_of(row, a + b > 0.9 ? "1" : "0") + "\n";
  }
  return text;
}
inline std::string csv_text() {
  return csv_text([](int, const char* label) { return std::string(label); });
}

// Every regular file under `root` with its bytes.
inline std::map<std::string, std::string> folder_bytes(const std::filesystem::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root))
    if (entry.is_regular_file()) files[entry.path().string()] = read_file(entry.path());
  return files;
}

}  // namespace descent::testing
