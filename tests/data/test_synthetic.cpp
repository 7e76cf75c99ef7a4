// Synthetic sets: deterministic for a seed, the shapes and labels they promise.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/core/error.hpp"
#include "descent/data/synthetic.hpp"

using namespace descent;

TEST(Synthetic, SameSeedSameDataDifferentSeedDifferentData) {
  Generator g1(7), g2(7), g3(8);
  const Dataset a = make_spirals(50, g1), b = make_spirals(50, g2), c = make_spirals(50, g3);
  EXPECT_EQ(a.x.to_vector(), b.x.to_vector());
  EXPECT_EQ(a.y.to_vector(), b.y.to_vector());
  EXPECT_NE(a.x.to_vector(), c.x.to_vector());

  Generator h1(3), h2(3);
  EXPECT_EQ(make_xor(64, h1, 0.1).x.to_vector(), make_xor(64, h2, 0.1).x.to_vector());
  EXPECT_EQ(make_blobs(30, 3, 4, h1).x.to_vector(), make_blobs(30, 3, 4, h2).x.to_vector());
  EXPECT_EQ(make_linear_regression(20, 3, h1).data.y.to_vector(), make_linear_regression(20, 3, h2).data.y.to_vector());
}

TEST(Synthetic, SpiralsShapeAndBalancedClasses) {
  Generator g(1);
  const Dataset d = make_spirals(100, g, 0.0);
  EXPECT_EQ(d.x.shape(), Shape({200, 2}));
  EXPECT_EQ(d.num_classes, 2);
  double ones = 0;
  for (double v : d.y.to_vector()) ones += v;
  EXPECT_EQ(ones, 100);
  // Without noise, the two arms are point reflections of each other.
  for (int64_t i = 0; i < 200; i += 2) {
    EXPECT_NEAR(d.x.at({i, 0}), -d.x.at({i + 1, 0}), 1e-6);
    EXPECT_NEAR(d.x.at({i, 1}), -d.x.at({i + 1, 1}), 1e-6);
  }
}

TEST(Synthetic, XorLabelsAreSignDisagreement) {
  Generator g(2);
  const Dataset d = make_xor(500, g);
  for (int64_t i = 0; i < d.size(); ++i)
    EXPECT_EQ(d.y.at({i}), (d.x.at({i, 0}) < 0) != (d.x.at({i, 1}) < 0) ? 1.0 : 0.0);
}

TEST(Synthetic, BlobsClusterAroundTheirCentres) {
  Generator g(3);
  const Dataset d = make_blobs(3000, 3, 2, g, 0.5);
  EXPECT_EQ(d.x.shape(), Shape({3000, 2}));
  EXPECT_EQ(d.num_classes, 3);
  // Within-class spread matches std = 0.5.
  for (int cls = 0; cls < 3; ++cls) {
    double sum = 0, sumsq = 0;
    int n = 0;
    for (int64_t i = cls; i < d.size(); i += 3, ++n) sum += d.x.at({i, 0});
    const double mean = sum / n;
    for (int64_t i = cls; i < d.size(); i += 3) sumsq += std::pow(d.x.at({i, 0}) - mean, 2);
    EXPECT_NEAR(std::sqrt(sumsq / n), 0.5, 0.05);
  }
}

TEST(Synthetic, LinearRegressionWithoutNoiseIsExactlyLinear) {
  Generator g(4);
  const LinearRegressionData r = make_linear_regression(100, 5, g, 0.0);
  EXPECT_EQ(r.data.num_classes, 0);
  EXPECT_EQ(r.weight.size(), 5u);
  for (int64_t i = 0; i < 100; ++i) {
    double y = r.bias;
    for (int64_t j = 0; j < 5; ++j) y += r.weight[static_cast<std::size_t>(j)] * r.data.x.at({i, j});
    EXPECT_NEAR(r.data.y.at({i}), y, 1e-5);
  }
}

TEST(Synthetic, BadArgumentsAreRefused) {
  Generator g;
  EXPECT_THROW(make_spirals(0, g), ValueError);
  EXPECT_THROW(make_xor(10, g, -1.0), ValueError);
  EXPECT_THROW(make_blobs(10, 0, 2, g), ValueError);
  EXPECT_THROW(make_linear_regression(10, 0, g), ValueError);
}
