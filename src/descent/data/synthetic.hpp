// Synthetic data sets for tests and demos, generated from a seeded Generator so a seed gives
// the same set on every machine: two interleaved spirals, XOR, Gaussian blobs, and noisy
// linear regression.
#pragma once
#include <cstdint>
#include <vector>

#include "descent/core/rng.hpp"
#include "descent/data/dataset.hpp"

namespace descent {

// Two interleaved spirals in 2-D (classes 0 and 1, n_per_class points each), each making
// `turns` half-turns outward from the origin; N(0, noise^2) added to each coordinate.
// Examples alternate between the classes.
Dataset make_spirals(int64_t n_per_class, Generator& gen, double noise = 0.1, double turns = 1.5);

// XOR: points uniform in [-1, 1]^2, class 1 when the signs of the coordinates differ; each
// coordinate then gets N(0, noise^2) noise (the label is taken before the noise).
Dataset make_xor(int64_t n, Generator& gen, double noise = 0.0);

// `classes` isotropic Gaussian blobs in `dim` dimensions: centres uniform in [-center_box,
// center_box]^dim, each point centre + N(0, std^2) per coordinate; examples cycle the classes.
Dataset make_blobs(int64_t n, int64_t classes, int64_t dim, Generator& gen, double std = 1.0, double center_box = 10.0);

// y = x . weight + bias + N(0, noise^2), x ~ N(0, 1)^dim, weight ~ N(0, 1)^dim, bias ~ N(0, 1).
struct LinearRegressionData {
  Dataset data;                // num_classes 0: y are targets
  std::vector<double> weight;  // (dim) the true coefficients
  double bias = 0.0;
};
LinearRegressionData make_linear_regression(int64_t n, int64_t dim, Generator& gen, double noise = 0.1);

}  // namespace descent
