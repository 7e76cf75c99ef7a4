// Tick positions and labels for plot axes: "nice" linear steps of 1, 2 or 5 times a power of
// ten (Heckbert, "Nice numbers for graph labels", Graphics Gems 1990), and decades for log axes.
#pragma once
#include <string>
#include <vector>

namespace descent::viz {

// The nice step (1, 2 or 5 x 10^k) that splits [lo, hi] into about `target` intervals.
double nice_step(double lo, double hi, int target = 5);

// Multiples of nice_step(lo, hi, target) inside [lo, hi] (ends included within rounding).
// lo == hi gives the single tick lo. Throws ValueError if lo > hi or either is not finite.
std::vector<double> linear_ticks(double lo, double hi, int target = 5);

// Ticks for a log axis over [lo, hi], both > 0: powers of ten when the range holds three or
// more (every k-th when there are more than `target`); otherwise 1-2-5 multiples of them (or
// just the powers, if the multiples would be more than target + 2); linear ticks when neither
// gives two. Throws ValueError if lo <= 0.
std::vector<double> log_ticks(double lo, double hi, int target = 6);

// A tick label: fixed notation with as many decimals as `step` needs (0.25 steps give "0.25",
// 0.2 steps give "0.2"), scientific ("1e-5", "2.5e6") for very small or large magnitudes.
std::string format_tick(double value, double step);

// A number in `digits` significant digits without trailing zeros ("0.001", "1e-5", "12.5",
// "3e6"); whole numbers below 1e5 in full ("2000"); used for log-axis ticks, contour levels and legends.
std::string short_number(double value, int digits = 3);

}  // namespace descent::viz
