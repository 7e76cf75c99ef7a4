// The synthetic sets: every random number comes from the given Generator, in a fixed order.
#include "descent/data/synthetic.hpp"

#include <cmath>
#include <numbers>
#include <string>

#include "descent/core/error.hpp"

namespace descent {
namespace {

void require_positive(int64_t v, const char* what, const char* fn) {
  if (v <= 0) throw ValueError(std::string(fn) + ": " + what + " must be positive, got " + std::to_string(v));
}

void require_non_negative(double v, const char* what, const char* fn) {
  if (!(v >= 0)) throw ValueError(std::string(fn) + ": " + what + " must be >= 0, got " + std::to_string(v));
}

}  // namespace

Dataset make_spirals(int64_t n_per_class, Generator& gen, double noise, double turns) {
  require_positive(n_per_class, "n_per_class", "make_spirals");
  require_non_negative(noise, "noise", "make_spirals");
  std::vector<float> x, y;
  for (int64_t i = 0; i < n_per_class; ++i) {
    // Radius grows linearly with the angle; the second spiral is the first rotated by pi.
    const double t = static_cast<double>(i + 1) / static_cast<double>(n_per_class);
    const double angle = turns * std::numbers::pi * t;
    for (int cls = 0; cls < 2; ++cls) {
      const double a = angle + cls * std::numbers::pi;
      x.push_back(static_cast<float>(t * std::cos(a) + noise * gen.normal()));
      x.push_back(static_cast<float>(t * std::sin(a) + noise * gen.normal()));
      y.push_back(static_cast<float>(cls));
    }
  }
  return make_dataset(std::move(x), std::move(y), 2, 2);
}

Dataset make_xor(int64_t n, Generator& gen, double noise) {
  require_positive(n, "n", "make_xor");
  require_non_negative(noise, "noise", "make_xor");
  std::vector<float> x, y;
  for (int64_t i = 0; i < n; ++i) {
    const double a = gen.uniform(-1.0, 1.0), b = gen.uniform(-1.0, 1.0);
    y.push_back((a < 0) != (b < 0) ? 1.0f : 0.0f);
    x.push_back(static_cast<float>(a + noise * gen.normal()));
    x.push_back(static_cast<float>(b + noise * gen.normal()));
  }
  return make_dataset(std::move(x), std::move(y), 2, 2);
}

Dataset make_blobs(int64_t n, int64_t classes, int64_t dim, Generator& gen, double std, double center_box) {
  require_positive(n, "n", "make_blobs");
  require_positive(classes, "classes", "make_blobs");
  require_positive(dim, "dim", "make_blobs");
  require_non_negative(std, "std", "make_blobs");
  std::vector<double> centers(static_cast<std::size_t>(classes * dim));
  for (double& c : centers) c = gen.uniform(-center_box, center_box);
  std::vector<float> x, y;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t cls = i % classes;
    for (int64_t j = 0; j < dim; ++j)
      x.push_back(static_cast<float>(centers[static_cast<std::size_t>(cls * dim + j)] + std * gen.normal()));
    y.push_back(static_cast<float>(cls));
  }
  return make_dataset(std::move(x), std::move(y), dim, classes);
}

LinearRegressionData make_linear_regression(int64_t n, int64_t dim, Generator& gen, double noise) {
  require_positive(n, "n", "make_linear_regression");
  require_positive(dim, "dim", "make_linear_regression");
  require_non_negative(noise, "noise", "make_linear_regression");
  LinearRegressionData out;
  out.weight.resize(static_cast<std::size_t>(dim));
  for (double& w : out.weight) w = gen.normal();
  out.bias = gen.normal();
  std::vector<float> x, y;
  for (int64_t i = 0; i < n; ++i) {
    double target = out.bias;
    for (int64_t j = 0; j < dim; ++j) {
      const auto v = static_cast<float>(gen.normal());  // the target uses the stored float value
      x.push_back(v);
      target += out.weight[static_cast<std::size_t>(j)] * v;
    }
    y.push_back(static_cast<float>(target + noise * gen.normal()));
  }
  out.data = make_dataset(std::move(x), std::move(y), dim, 0);
  return out;
}

}  // namespace descent
