// Checkpoint files: TrainingState <-> safetensors with a JSON metadata entry and a CRC-32.
#include "descent/train/checkpoint.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace descent {
namespace {

// JSON has no infinity or NaN: non-finite numbers travel as strings.
nlohmann::json number(double v) {
  if (std::isfinite(v)) return v;
  return std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
}

double number(const nlohmann::json& j) {
  if (j.is_number()) return j.get<double>();
  const std::string s = j.get<std::string>();
  if (s == "inf") return std::numeric_limits<double>::infinity();
  if (s == "-inf") return -std::numeric_limits<double>::infinity();
  if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
  throw std::invalid_argument("'" + s + "' is not a number (expected a number, \"inf\", \"-inf\" or \"nan\")");
}

nlohmann::json numbers(const std::map<std::string, double>& m) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : m) j[k] = number(v);
  return j;
}

std::map<std::string, double> numbers(const nlohmann::json& j) {
  std::map<std::string, double> m;
  for (const auto& [k, v] : j.items()) m[k] = number(v);
  return m;
}

uint32_t checksum(const NamedTensors& tensors, const std::string& json) {
  uLong crc = crc32(0L, Z_NULL, 0);
  auto feed = [&](const void* p, std::size_t n) {
    crc = crc32(crc, static_cast<const Bytef*>(p), static_cast<uInt>(n));
  };
  for (const auto& [name, t] : tensors) {
    feed(name.data(), name.size() + 1);
    const DType d = t.dtype();
    feed(&d, sizeof d);
    for (int64_t s : t.shape()) feed(&s, sizeof s);
    const Tensor c = t.contiguous();
    const auto* bytes =
        static_cast<const char*>(c.impl().storage->data()) + c.offset() * static_cast<int64_t>(dtype_size(d));
    feed(bytes, static_cast<std::size_t>(c.numel()) * dtype_size(d));
  }
  feed(json.data(), json.size());
  return static_cast<uint32_t>(crc);
}

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

}  // namespace

void save_checkpoint(const std::filesystem::path& path, const TrainingState& s) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  NamedTensors tensors;
  for (const auto& [n, t] : s.model) tensors.emplace_back("model/" + n, t);
  for (const auto& [n, t] : s.best_model) tensors.emplace_back("best/" + n, t);
  for (const auto& [n, t] : s.average) tensors.emplace_back("average/" + n, t);
  nlohmann::json scalars = nlohmann::json::object();
  for (const auto& [index, ps] : s.optimizer.state) {
    for (const auto& [k, t] : ps.buffers) tensors.emplace_back("optimizer/" + std::to_string(index) + "/" + k, t);
    scalars[std::to_string(index)] = numbers(ps.scalars);
  }
  nlohmann::json groups = nlohmann::json::array();
  for (const optim::Options& g : s.optimizer.groups) groups.push_back(numbers(g));
  const nlohmann::json meta = {
      {"format_version", s.format_version},
      {"config", nlohmann::json::parse(s.config)},
      {"optimizer",
       {{"name", s.optimizer.optimizer},
        {"groups", groups},
        {"group_params", s.optimizer.group_params},
        {"scalars", scalars},
        {"globals", numbers(s.optimizer.globals)}}},
      {"scheduler", nlohmann::json::parse(s.scheduler)},
      {"progress", nlohmann::json::parse(s.progress)},
  };
  const std::string json = meta.dump();
  save_safetensors(path, tensors, {{"descent_checkpoint", json}, {"checksum", hex(checksum(tensors, json))}});
}

TrainingState load_checkpoint(const std::filesystem::path& path) {
  const SafetensorsFile file = load_safetensors(path);
  const auto meta_it = file.metadata.find("descent_checkpoint");
  const auto sum_it = file.metadata.find("checksum");
  if (meta_it == file.metadata.end() || sum_it == file.metadata.end())
    throw IOError(path.string() + ": not a descent checkpoint (no descent_checkpoint/checksum metadata)");
  const std::string actual = hex(checksum(file.tensors, meta_it->second));
  if (actual != sum_it->second)
    throw IOError(path.string() + ": checksum mismatch (stored " + sum_it->second + ", computed " + actual +
                  "): the file is corrupt");
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(meta_it->second);
  } catch (const nlohmann::json::exception& e) {
    throw IOError(path.string() + ": malformed checkpoint metadata: " + e.what());
  }
  TrainingState s;
  try {
    s.format_version = meta.at("format_version").get<int>();
    if (s.format_version > kCheckpointFormatVersion)
      throw IOError(path.string() + ": checkpoint format version " + std::to_string(s.format_version) +
                    " is newer than this descent reads (" + std::to_string(kCheckpointFormatVersion) +
                    "); upgrade descent");
    s.config = meta.at("config").dump();
    s.scheduler = meta.at("scheduler").dump();
    s.progress = meta.at("progress").dump();
    const nlohmann::json& opt = meta.at("optimizer");
    s.optimizer.optimizer = opt.at("name").get<std::string>();
    for (const auto& g : opt.at("groups")) s.optimizer.groups.push_back(numbers(g));
    s.optimizer.group_params = opt.at("group_params").get<std::vector<std::vector<int64_t>>>();
    for (const auto& [index, sc] : opt.at("scalars").items())
      s.optimizer.state[std::stoll(index)].scalars = numbers(sc);
    s.optimizer.globals = numbers(opt.at("globals"));
  } catch (const nlohmann::json::exception& e) {
    throw IOError(path.string() + ": malformed checkpoint metadata: " + e.what());
  } catch (const std::logic_error& e) {  // number()'s, and std::stoll's of a parameter index
    throw IOError(path.string() + ": malformed checkpoint metadata: " + e.what());
  }
  for (const auto& [name, t] : file.tensors) {
    if (name.rfind("model/", 0) == 0) {
      s.model.emplace_back(name.substr(6), t);
    } else if (name.rfind("best/", 0) == 0) {
      s.best_model.emplace_back(name.substr(5), t);
    } else if (name.rfind("average/", 0) == 0) {
      s.average.emplace_back(name.substr(8), t);
    } else if (name.rfind("optimizer/", 0) == 0) {
      const std::string rest = name.substr(10);
      const auto slash = rest.find('/');
      if (slash == std::string::npos) throw IOError(path.string() + ": bad optimizer tensor name '" + name + "'");
      s.optimizer.state[std::stoll(rest.substr(0, slash))].buffers[rest.substr(slash + 1)] = t;
    } else {
      throw IOError(path.string() + ": unexpected tensor '" + name + "' in a checkpoint");
    }
  }
  return s;
}

std::filesystem::path checkpoint_dir(const std::filesystem::path& run_dir) { return run_dir / "checkpoints"; }

std::filesystem::path checkpoint_path(const std::filesystem::path& run_dir, int64_t global_step) {
  char name[64];
  std::snprintf(name, sizeof name, "step-%010lld.safetensors", static_cast<long long>(global_step));
  return checkpoint_dir(run_dir) / name;
}

std::vector<std::filesystem::path> list_checkpoints(const std::filesystem::path& run_dir) {
  std::vector<std::filesystem::path> files;
  const auto dir = checkpoint_dir(run_dir);
  if (!std::filesystem::is_directory(dir)) return files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n.rfind("step-", 0) == 0 && e.path().extension() == ".safetensors") files.push_back(e.path());
  }
  std::sort(files.rbegin(), files.rend());  // zero-padded step numbers sort as numbers
  return files;
}

void prune_checkpoints(const std::filesystem::path& run_dir, int keep) {
  // Temporary files of saves that a crash interrupted (".step-N.safetensors.tmp-PID-K"): the
  // run folder has one writer, so any other than the one being written now is stale.
  const auto dir = checkpoint_dir(run_dir);
  if (std::filesystem::is_directory(dir))
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      const std::string n = e.path().filename().string();
      if (n.rfind(".step-", 0) == 0 && n.find(".tmp-") != std::string::npos) {
        std::error_code ec;
        std::filesystem::remove(e.path(), ec);
      }
    }
  const auto files = list_checkpoints(run_dir);
  for (std::size_t i = static_cast<std::size_t>(std::max(keep, 1)); i < files.size(); ++i) {
    std::error_code ec;
    std::filesystem::remove(files[i], ec);
  }
}

}  // namespace descent
