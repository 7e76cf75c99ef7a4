// Helpers for tests that write files or check error messages: a fresh scratch folder per test
// program and process (ctest runs a program's tests in parallel), a whole file as a string, and
// the message of an expected exception.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <system_error>

namespace descent::testing {

// This process's folder for `suite`: descent_test_<suite>_<pid> in the temporary directory.
inline std::filesystem::path scratch_root(const std::string& suite) {
  return std::filesystem::temp_directory_path() / ("descent_test_" + suite + "_" + std::to_string(::getpid()));
}

// The scratch roots this process made, removed with everything in them when it exits (a child
// that execs another program, as the command-line tests do, runs no exit handlers of ours).
class ScratchRoots {
 public:
  void add(const std::filesystem::path& root) { roots_.insert(root); }
  ~ScratchRoots() {
    std::error_code ignored;
    for (const std::filesystem::path& root : roots_) std::filesystem::remove_all(root, ignored);
  }

 private:
  std::set<std::filesystem::path> roots_;
};

inline ScratchRoots& scratch_roots() {
  static ScratchRoots roots;
  return roots;
}

// An empty folder `name` under scratch_root(suite), removed at the latest when the process exits.
inline std::filesystem::path fresh_dir(const std::string& suite, const std::string& name) {
  scratch_roots().add(scratch_root(suite));
  const std::filesystem::path dir = scratch_root(suite) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

// The bytes of a file ("" when it cannot be read).
inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// The message of the E that f() throws, or "" when it throws none.
template <class E, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

// A fresh folder for one test (fresh_dir), removed with everything in it when the test ends,
// whether it passed or failed.
class ScratchDir {
 public:
  ScratchDir(const std::string& suite, const std::string& name)
      : root_(scratch_root(suite)), path_(fresh_dir(suite, name)) {}
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
    for (std::filesystem::path folder = path_.parent_path(); folder != root_.parent_path();
         folder = folder.parent_path())
      std::filesystem::remove(folder, ignored);  // the folders above it, up to the program's, once empty
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& child) const { return path_ / child; }

 private:
  std::filesystem::path root_, path_;
};

}  // namespace descent::testing
