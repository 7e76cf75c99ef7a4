// Where descent looks for a data set that is not given a folder: the folder named for it
// under $DESCENT_DATA_DIR, then under data/ in the current folder and in each folder above it.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace descent {

// The folders that may hold the data set `name` ("mnist", "cifar10"), in the order searched.
inline std::vector<std::filesystem::path> data_folder_candidates(const std::string& name) {
  std::vector<std::filesystem::path> candidates;
  if (const char* env = std::getenv("DESCENT_DATA_DIR"); env && *env)
    candidates.push_back(std::filesystem::path(env) / name);
  std::error_code ec;
  for (std::filesystem::path p = std::filesystem::current_path(ec); !ec && !p.empty(); p = p.parent_path()) {
    candidates.push_back(p / "data" / name);
    if (p == p.parent_path()) break;
  }
  return candidates;
}

// "a, b, c": the folders searched, for the error that says the data set is not installed.
inline std::string joined(const std::vector<std::filesystem::path>& folders) {
  std::string out;
  for (const auto& folder : folders) out += (out.empty() ? "" : ", ") + folder.string();
  return out;
}

}  // namespace descent
