// Range checks from an optimizer's table, with messages a user can act on, and merging
// caller options over its defaults.
#include "descent/optim/hyperparameters.hpp"

#include <cmath>
#include <sstream>

namespace descent::optim {

namespace {

std::string number_text(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

}  // namespace

bool Range::contains(double value) const {
  return std::isfinite(value) && (lo_open ? value > lo : value >= lo) && (hi_open ? value < hi : value <= hi);
}

std::string Range::describe(const std::string& key) const {
  std::string text;
  if (std::isfinite(lo)) text = number_text(lo) + (lo_open ? " < " : " <= ");
  text += key;
  if (std::isfinite(hi)) text += (hi_open ? " < " : " <= ") + number_text(hi);
  return std::isfinite(lo) || std::isfinite(hi) ? text : "a finite " + key;
}

std::string Hyperparameter::show(double v) const {
  if (kind == Kind::flag) return v != 0.0 ? "true" : "false";
  if (kind == Kind::choice) return choices.at(static_cast<std::size_t>(v));
  return number_text(v);
}

std::string names_of(const std::vector<Hyperparameter>& rows) {
  std::string out;
  for (const Hyperparameter& row : rows) out += (out.empty() ? "" : ", ") + row.name;
  return out;
}

void check_ranges(const std::string& optimizer, const std::vector<Hyperparameter>& rows, const Options& options) {
  for (const Hyperparameter& row : rows) {
    auto it = options.find(row.name);
    if (it == options.end()) throw ValueError(optimizer + ": missing hyperparameter '" + row.name + "'");
    const double v = it->second;
    const bool whole = row.kind == Kind::number || v == std::floor(v);
    if (row.range.contains(v) && whole) continue;
    std::string valid = row.range.describe(row.name);
    if (row.kind == Kind::flag) valid = "false (0) or true (1)";
    if (row.kind == Kind::integer) valid = "an integer, " + valid;
    if (row.kind == Kind::choice) {
      std::ostringstream indices;  // "0 (none) or 1 (strong_wolfe)"
      for (std::size_t i = 0; i < row.choices.size(); ++i)
        indices << (i ? " or " : "") << i << " (" << row.choices[i] << ")";
      valid = indices.str();
    }
    throw ValueError(optimizer + ": invalid " + row.name + " = " + number_text(v) + " (valid range: " + valid + ")");
  }
}

Options with_defaults(const std::string& optimizer, const std::vector<Hyperparameter>& rows, const Options& options) {
  Options out;
  for (const Hyperparameter& row : rows) out[row.name] = row.value;
  for (const auto& [key, value] : options) {
    if (!out.count(key))
      throw ValueError(optimizer + ": unknown hyperparameter '" + key + "' (valid: " + names_of(rows) + ")");
    out[key] = value;
  }
  return out;
}

}  // namespace descent::optim
