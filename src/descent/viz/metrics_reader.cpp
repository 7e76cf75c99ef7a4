// read_metrics: JSON Lines (https://jsonlines.org), one record per non-blank line.
#include "descent/viz/metrics_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "descent/core/error.hpp"

namespace descent::viz {
namespace {

// nlohmann's messages start with "[json.exception.parse_error.101] "; the rest is the useful part.
std::string json_message(const std::exception& e) {
  std::string what = e.what();
  if (!what.empty() && what[0] == '[') {
    size_t end = what.find("] ");
    if (end != std::string::npos) return what.substr(end + 2);
  }
  return what;
}

bool read_number(const nlohmann::json& value, double& out) {
  if (value.is_number()) {
    out = value.get<double>();
    return true;
  }
  if (value.is_null()) {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (value.is_string()) {
    std::string s = value.get<std::string>();
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    if (s == "nan")
      out = std::numeric_limits<double>::quiet_NaN();
    else if (s == "inf" || s == "infinity")
      out = std::numeric_limits<double>::infinity();
    else if (s == "-inf" || s == "-infinity")
      out = -std::numeric_limits<double>::infinity();
    else
      return false;
    return true;
  }
  return false;
}

}  // namespace

bool MetricsLog::has(const std::string& field) const {
  return std::any_of(records.begin(), records.end(), [&](const auto& r) { return r.contains(field); });
}

std::vector<double> MetricsLog::column(const std::string& field) const {
  std::vector<double> values;
  values.reserve(records.size());
  for (const auto& record : records) {
    auto it = record.find(field);
    values.push_back(it == record.end() ? std::numeric_limits<double>::quiet_NaN() : it->second);
  }
  return values;
}

MetricsLog read_metrics(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw IOError("cannot open metrics file " + file.string());
  MetricsLog log{file, {}};
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    std::string where = file.string() + ":" + std::to_string(number);
    if (std::all_of(line.begin(), line.end(), [](unsigned char c) { return std::isspace(c); })) continue;
    nlohmann::json value;
    try {
      value = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {  // a syntax error, or a number out of double's range
      throw IOError(where + ": not valid JSON (" + json_message(e) + ")");
    }
    if (!value.is_object())
      throw IOError(where + ": expected a JSON object per line, got " + std::string(value.type_name()));
    std::map<std::string, double> record;
    for (const auto& [key, field] : value.items()) {
      double number_value = 0;
      if (read_number(field, number_value)) record[key] = number_value;
    }
    auto epoch = record.find("epoch");
    if (epoch == record.end() || !std::isfinite(epoch->second))
      throw IOError(where + ": the record has no numeric \"epoch\" field");
    log.records.push_back(std::move(record));
  }
  if (in.bad()) throw IOError("error reading metrics file " + file.string());
  if (log.records.empty())
    throw IOError("metrics file " + file.string() + " is empty (expected one JSON object per line)");
  return log;
}

}  // namespace descent::viz
