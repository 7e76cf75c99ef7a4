// Hyperparameter range checks with messages a user can act on.
#include "descent/optim/validate.hpp"

#include <cmath>
#include <sstream>

namespace descent::optim {

namespace {

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

[[noreturn]] void invalid(const std::string& optimizer, const std::string& key, double value,
                          const std::string& range) {
  throw ValueError(optimizer + ": invalid " + key + " = " + number(value) + " (valid range: " + range + ")");
}

double value_of(const std::string& optimizer, const Options& options, const std::string& key) {
  auto it = options.find(key);
  if (it == options.end()) throw ValueError(optimizer + ": missing hyperparameter '" + key + "'");
  return it->second;
}

}  // namespace

void require_at_least(const std::string& optimizer, const Options& options, const std::string& key, double lo) {
  double v = value_of(optimizer, options, key);
  if (!(v >= lo)) invalid(optimizer, key, v, number(lo) + " <= " + key);
}

void require_in(const std::string& optimizer, const Options& options, const std::string& key, double lo, double hi) {
  double v = value_of(optimizer, options, key);
  if (!(v >= lo && v < hi)) invalid(optimizer, key, v, number(lo) + " <= " + key + " < " + number(hi));
}

void require_in_closed(const std::string& optimizer, const Options& options, const std::string& key, double lo,
                       double hi, bool lo_open) {
  double v = value_of(optimizer, options, key);
  bool ok = (lo_open ? v > lo : v >= lo) && v <= hi;
  if (!ok) invalid(optimizer, key, v, number(lo) + (lo_open ? " < " : " <= ") + key + " <= " + number(hi));
}

void require_flag(const std::string& optimizer, const Options& options, const std::string& key) {
  double v = value_of(optimizer, options, key);
  if (v != 0.0 && v != 1.0) invalid(optimizer, key, v, "false (0) or true (1)");
}

void require(bool ok, const std::string& optimizer, const std::string& message) {
  if (!ok) throw ValueError(optimizer + ": " + message);
}

}  // namespace descent::optim
