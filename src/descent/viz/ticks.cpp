// Nice tick values: the step is 1, 2 or 5 times a power of ten, chosen so about `target`
// intervals cover the range (Heckbert 1990).
#include "descent/viz/ticks.hpp"

#include <cmath>
#include <cstdio>

#include "descent/core/error.hpp"

namespace descent::viz {
namespace {

void check_range(const char* what, double lo, double hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi)
    throw ValueError(std::string(what) + ": expected a finite range lo <= hi, got [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "]");
}

// Removes a trailing fractional zero run and rewrites "e-05" as "e-5", "e+06" as "e6".
std::string tidy(std::string s) {
  size_t e = s.find('e');
  std::string mantissa = s.substr(0, e);
  std::string exponent = e == std::string::npos ? "" : s.substr(e + 1);
  if (mantissa.find('.') != std::string::npos) {
    while (mantissa.back() == '0') mantissa.pop_back();
    if (mantissa.back() == '.') mantissa.pop_back();
  }
  if (mantissa == "-0") mantissa = "0";
  if (exponent.empty()) return mantissa;
  bool negative = exponent[0] == '-';
  size_t digits = exponent.find_first_not_of("+-0");
  return mantissa + "e" + (negative ? "-" : "") + (digits == std::string::npos ? "0" : exponent.substr(digits));
}

}  // namespace

double nice_step(double lo, double hi, int target) {
  check_range("nice_step", lo, hi);
  double span = hi - lo;
  if (span == 0) span = std::abs(lo) > 0 ? std::abs(lo) : 1.0;
  double raw = span / std::max(target, 1);
  double power = std::pow(10.0, std::floor(std::log10(raw)));
  double fraction = raw / power;
  // Round the fraction to the nearest of 1, 2, 5, 10 (geometric midpoints).
  double nice = fraction < 1.5 ? 1 : fraction < 3.5 ? 2 : fraction < 7.5 ? 5 : 10;
  return nice * power;
}

std::vector<double> linear_ticks(double lo, double hi, int target) {
  check_range("linear_ticks", lo, hi);
  if (lo == hi) return {lo};
  double step = nice_step(lo, hi, target);
  double slack = step * 1e-9;  // keeps ends that are multiples up to rounding
  double first = std::ceil((lo - slack) / step);
  double last = std::floor((hi + slack) / step);
  std::vector<double> ticks;
  for (double k = first; k <= last; ++k) {
    double v = k * step;
    ticks.push_back(std::abs(v) < slack ? 0.0 : v);
  }
  return ticks;
}

std::vector<double> log_ticks(double lo, double hi, int target) {
  check_range("log_ticks", lo, hi);
  if (lo <= 0) throw ValueError("log_ticks: a log axis needs lo > 0, got " + std::to_string(lo));
  const double slack = 1e-9;
  int first = static_cast<int>(std::ceil(std::log10(lo) - slack));
  int last = static_cast<int>(std::floor(std::log10(hi) + slack));
  std::vector<double> powers;
  for (int k = first; k <= last; ++k) powers.push_back(std::pow(10.0, k));
  if (powers.size() >= 3) {
    std::size_t stride = (powers.size() + target - 1) / target;  // ceil(count / target)
    std::vector<double> ticks;
    for (std::size_t i = 0; i < powers.size(); i += stride) ticks.push_back(powers[i]);
    return ticks;
  }
  // Two decades or less: 1-2-5 multiples read better, if there are not too many of them.
  std::vector<double> ticks;
  for (int k = first - 1; k <= last; ++k)
    for (double m : {1.0, 2.0, 5.0}) {
      double v = m * std::pow(10.0, k);
      if (v >= lo * (1 - slack) && v <= hi * (1 + slack)) ticks.push_back(v);
    }
  if (ticks.size() >= 2 && ticks.size() <= static_cast<std::size_t>(target) + 2) return ticks;
  if (powers.size() >= 2) return powers;
  if (ticks.size() >= 2) return ticks;
  return linear_ticks(lo, hi, 4);
}

std::string format_tick(double value, double step) {
  double magnitude = std::max(std::abs(value), std::abs(step));
  char buffer[64];
  if (magnitude >= 1e5 || (magnitude < 1e-3 && magnitude > 0)) {
    std::snprintf(buffer, sizeof buffer, "%.2e", value);
    return tidy(buffer);
  }
  int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  // A step of 0.25 or 2.5 needs one decimal more than its power of ten.
  double scaled = step * std::pow(10.0, decimals);
  if (std::abs(scaled - std::round(scaled)) > 1e-6) ++decimals;
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return tidy(buffer);
}

std::string short_number(double value, int digits) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buffer[64];
  // %g turns 2000 into 2e+03 at 3 digits; below 1e5 whole numbers read better in full.
  if (std::abs(value) >= std::pow(10.0, digits) && std::abs(value) < 1e5)
    std::snprintf(buffer, sizeof buffer, "%.0f", value);
  else
    std::snprintf(buffer, sizeof buffer, "%.*g", digits, value);
  return tidy(buffer);
}

}  // namespace descent::viz
