// The test functions' formulas and hand-derived gradients (checked against finite
// differences in tests/optim/test_functions.cpp).
#include "descent/optim/test_functions.hpp"

#include <cmath>
#include <limits>
#include <numbers>

#include "descent/core/error.hpp"

namespace descent::optim {

namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double sphere(double x, double y) { return x * x + y * y; }
Point sphere_grad(double x, double y) { return {2 * x, 2 * y}; }

// Condition number 100: the curvature along y is 100 times that along x.
double ill_conditioned(double x, double y) { return 0.5 * (x * x + 100 * y * y); }
Point ill_conditioned_grad(double x, double y) { return {x, 100 * y}; }

double rosenbrock(double x, double y) { return (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x); }
Point rosenbrock_grad(double x, double y) { return {-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)}; }

double beale(double x, double y) {
  double a = 1.5 - x + x * y, b = 2.25 - x + x * y * y, c = 2.625 - x + x * y * y * y;
  return a * a + b * b + c * c;
}
Point beale_grad(double x, double y) {
  double a = 1.5 - x + x * y, b = 2.25 - x + x * y * y, c = 2.625 - x + x * y * y * y;
  return {2 * a * (y - 1) + 2 * b * (y * y - 1) + 2 * c * (y * y * y - 1),
          2 * a * x + 2 * b * 2 * x * y + 2 * c * 3 * x * y * y};
}

double booth(double x, double y) { return (x + 2 * y - 7) * (x + 2 * y - 7) + (2 * x + y - 5) * (2 * x + y - 5); }
Point booth_grad(double x, double y) {
  double a = x + 2 * y - 7, b = 2 * x + y - 5;
  return {2 * a + 4 * b, 4 * a + 2 * b};
}

double himmelblau(double x, double y) {
  double a = x * x + y - 11, b = x + y * y - 7;
  return a * a + b * b;
}
Point himmelblau_grad(double x, double y) {
  double a = x * x + y - 11, b = x + y * y - 7;
  return {4 * x * a + 2 * b, 2 * a + 4 * y * b};
}

double saddle(double x, double y) { return x * x - y * y; }
Point saddle_grad(double x, double y) { return {2 * x, -2 * y}; }

double rastrigin(double x, double y) {
  return 20 + x * x - 10 * std::cos(2 * kPi * x) + y * y - 10 * std::cos(2 * kPi * y);
}
Point rastrigin_grad(double x, double y) {
  return {2 * x + 20 * kPi * std::sin(2 * kPi * x), 2 * y + 20 * kPi * std::sin(2 * kPi * y)};
}

double styblinski_tang(double x, double y) {
  return 0.5 * (x * x * x * x - 16 * x * x + 5 * x + y * y * y * y - 16 * y * y + 5 * y);
}
Point styblinski_tang_grad(double x, double y) {
  return {0.5 * (4 * x * x * x - 32 * x + 5), 0.5 * (4 * y * y * y - 32 * y + 5)};
}

// The root of 4x³ − 32x + 5 = 0 near −2.9035 (Styblinski-Tang's minimizer per coordinate).
constexpr double kStyblinskiTangX = -2.903534027771178;

}  // namespace

const std::vector<TestFunction>& test_functions() {
  static const std::vector<TestFunction> functions = {
      {"sphere", "x² + y²", sphere, sphere_grad, {-2, 2, -2, 2}, {{0, 0}}, 0, {1.5, -1.0}},
      {"ill_conditioned",
       "(x² + 100y²)/2",
       ill_conditioned,
       ill_conditioned_grad,
       {-2, 2, -2, 2},
       {{0, 0}},
       0,
       {1.5, 0.5}},
      {"rosenbrock", "(1 − x)² + 100(y − x²)²", rosenbrock, rosenbrock_grad, {-2, 2, -1, 3}, {{1, 1}}, 0, {-1.2, 1.0}},
      {"beale",
       "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
       beale,
       beale_grad,
       {-4.5, 4.5, -4.5, 4.5},
       {{3, 0.5}},
       0,
       {1.0, 1.0}},
      {"booth", "(x + 2y − 7)² + (2x + y − 5)²", booth, booth_grad, {-10, 10, -10, 10}, {{1, 3}}, 0, {-5.0, -5.0}},
      {"himmelblau",
       "(x² + y − 11)² + (x + y² − 7)²",
       himmelblau,
       himmelblau_grad,
       {-5, 5, -5, 5},
       {{3.0, 2.0},
        {-2.805118086952745, 3.131312518250573},
        {-3.779310253377747, -3.283185991286170},
        {3.584428340330492, -1.848126526964404}},
       0,
       {0.0, 0.0}},
      {"saddle", "x² − y²", saddle, saddle_grad, {-2, 2, -2, 2}, {}, kNaN, {1.0, 1e-3}},
      {"rastrigin",
       "20 + x² − 10cos(2πx) + y² − 10cos(2πy)",
       rastrigin,
       rastrigin_grad,
       {-5.12, 5.12, -5.12, 5.12},
       {{0, 0}},
       0,
       {0.3, -0.2}},
      {"styblinski_tang",
       "(x⁴ − 16x² + 5x + y⁴ − 16y² + 5y)/2",
       styblinski_tang,
       styblinski_tang_grad,
       {-5, 5, -5, 5},
       {{kStyblinskiTangX, kStyblinskiTangX}},
       styblinski_tang(kStyblinskiTangX, kStyblinskiTangX),
       {0.0, 0.0}},
  };
  return functions;
}

const TestFunction& test_function(const std::string& name) {
  std::string valid;
  for (const TestFunction& f : test_functions()) {
    if (f.name == name) return f;
    valid += (valid.empty() ? "" : ", ") + f.name;
  }
  throw ValueError("unknown test function '" + name + "' (valid: " + valid + ")");
}

}  // namespace descent::optim
