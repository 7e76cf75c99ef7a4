// Two-dimensional test functions with known minima (as ensmallen's test problems and the
// optimization literature's standard set: Jamil & Yang 2013, "A literature survey of
// benchmark functions for global optimisation problems"): value and gradient in float64,
// a domain for plots, the known minima, and a customary start.
#pragma once
#include <array>
#include <string>
#include <vector>

namespace descent::optim {

using Point = std::array<double, 2>;

struct TestFunction {
  std::string name;
  std::string formula;
  double (*value)(double x, double y);
  Point (*gradient)(double x, double y);
  std::array<double, 4> domain;  // x_min, x_max, y_min, y_max for plotting
  std::vector<Point> minima;     // every global minimizer (empty: unbounded below)
  double minimum;                // f at the minima (NaN when unbounded)
  Point start;                   // a customary starting point
};

const std::vector<TestFunction>& test_functions();
// The function by name; ValueError listing the valid names otherwise.
const TestFunction& test_function(const std::string& name);

}  // namespace descent::optim
