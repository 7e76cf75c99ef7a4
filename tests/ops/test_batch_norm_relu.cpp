// batch_norm_relu against the three ops it fuses, relu(batch_norm(x) + residual): the same
// output to the bit, the same running statistics, and gradients within a few units in the last
// place (a compiler may fuse a multiply-add differently in the two), in float64 and float32,
// with batch and with running statistics, with and without a residual; and the same bits at
// one thread and two. The gradient check is in test_conv_gradcheck.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "descent/descent.hpp"
#include "descent/ops/conv.hpp"

using namespace descent;

namespace {

// Relative to the largest value of a gradient: a few units in the last place.
constexpr double kGradientToleranceF64 = 1e-14, kGradientToleranceF32 = 1e-6;
constexpr double kMomentum = 0.3;

struct Inputs {
  Tensor x, residual, weight, bias, running_mean, running_var, dy;
};

// x (N, C, H, W) with per-channel offsets, so the ReLU cuts each channel at a different place.
Inputs make_inputs(const Shape& shape, DType dtype, uint64_t seed) {
  Generator gen(seed);
  const Shape channel{shape[1]};
  const Tensor offsets = Tensor::normal(channel, 0, 2, dtype, &gen).reshape(Shape{1, shape[1], 1, 1});
  return {.x = Tensor::normal(shape, 0, 3, dtype, &gen) + offsets,
          .residual = Tensor::normal(shape, 0, 1, dtype, &gen),
          .weight = Tensor::normal(channel, 1, 0.5, dtype, &gen),
          .bias = Tensor::normal(channel, 0, 0.5, dtype, &gen),
          .running_mean = Tensor::normal(channel, 0, 1, dtype, &gen),
          .running_var = Tensor::uniform(channel, 0.5, 2.0, dtype, &gen),
          .dy = Tensor::normal(shape, 0, 1, dtype, &gen)};
}

// What one forward and backward gives.
struct Outcome {
  std::vector<double> y, running_mean, running_var, dx, dweight, dbias, dresidual;
};

// relu(batch_norm(x) + residual) from fresh copies of the inputs, as one op or as three.
Outcome run(const Inputs& in, bool fused, bool training, bool with_residual) {
  Tensor x = in.x.clone().requires_grad_(), weight = in.weight.clone().requires_grad_();
  Tensor bias = in.bias.clone().requires_grad_();
  Tensor residual = with_residual ? in.residual.clone().requires_grad_() : Tensor();
  const Tensor running_mean = in.running_mean.clone(), running_var = in.running_var.clone();
  Tensor y;
  if (fused) {
    y = batch_norm_relu(x, residual, running_mean, running_var, weight, bias, training, kMomentum);
  } else {
    const Tensor normed = batch_norm(x, running_mean, running_var, weight, bias, training, kMomentum);
    y = relu(with_residual ? add(normed, residual) : normed);
  }
  y.backward(in.dy);
  return {y.to_vector(),
          running_mean.to_vector(),
          running_var.to_vector(),
          x.grad().to_vector(),
          weight.grad().to_vector(),
          bias.grad().to_vector(),
          with_residual ? residual.grad().to_vector() : std::vector<double>()};
}

void expect_close(const std::vector<double>& got, const std::vector<double>& want, double tolerance,
                  const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  double largest = 0;
  for (double v : want) largest = std::max(largest, std::abs(v));
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], tolerance * largest) << what << " at " << i;
}

std::string describe(DType dtype, bool training, bool with_residual) {
  return std::string(dtype == DType::f64 ? "float64" : "float32") + (training ? ", training" : ", evaluation") +
         (with_residual ? ", residual" : ", no residual");
}

}  // namespace

TEST(BatchNormRelu, EqualsTheThreeOps) {
  for (DType dtype : {DType::f64, DType::f32}) {
    const Inputs in = make_inputs(Shape{4, 3, 5, 7}, dtype, 3);
    const double tolerance = dtype == DType::f64 ? kGradientToleranceF64 : kGradientToleranceF32;
    for (bool training : {true, false}) {
      for (bool with_residual : {true, false}) {
        const std::string what = describe(dtype, training, with_residual);
        const Outcome fused = run(in, true, training, with_residual), three = run(in, false, training, with_residual);
        EXPECT_EQ(fused.y, three.y) << what;
        EXPECT_EQ(fused.running_mean, three.running_mean) << what;
        EXPECT_EQ(fused.running_var, three.running_var) << what;
        expect_close(fused.dx, three.dx, tolerance, "dx, " + what);
        expect_close(fused.dweight, three.dweight, tolerance, "dweight, " + what);
        expect_close(fused.dbias, three.dbias, tolerance, "dbias, " + what);
        expect_close(fused.dresidual, three.dresidual, tolerance, "dresidual, " + what);
      }
    }
  }
}

// Zeroes cut by the ReLU pass no gradient back, not even an infinite one (a select, as relu's
// backward and torch's threshold_backward), and a residual that cancels the normalized value
// exactly sits on the ReLU's kink, where the gradient is 0 as relu's.
TEST(BatchNormRelu, MaskIsTheOutputsSign) {
  const Tensor x = Tensor::from_data(std::vector<double>{-1, 1, -1, 1}, Shape{2, 1, 2, 1}, DType::f64);
  Tensor residual = Tensor::from_data(std::vector<double>{0, -1, 0.5, 2}, Shape{2, 1, 2, 1}, DType::f64);
  Tensor xg = x.clone().requires_grad_();
  residual.requires_grad_();
  // batch statistics: mean 0, variance 1, so y = relu(x / sqrt(1 + eps) + residual) with eps 0.
  const Tensor y = batch_norm_relu(xg, residual, Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, 0.0);
  EXPECT_EQ(y.to_vector(), (std::vector<double>{0, 0, 0, 3}));
  const double inf = std::numeric_limits<double>::infinity();
  y.backward(Tensor::from_data(std::vector<double>{inf, -inf, 2, 1}, x.shape(), DType::f64));
  EXPECT_EQ(residual.grad().to_vector(), (std::vector<double>{0, 0, 0, 1}));
  for (double v : xg.grad().to_vector()) EXPECT_TRUE(std::isfinite(v)) << v;
}

// Big enough to split the channels over threads: every result the same bits at 1 and 2.
TEST(BatchNormRelu, SameBitsAtAnyThreadCount) {
  const Inputs in = make_inputs(Shape{16, 16, 14, 14}, DType::f32, 5);
  const int before = get_num_threads();
  for (bool training : {true, false}) {
    set_num_threads(1);
    const Outcome one = run(in, true, training, true);
    set_num_threads(2);
    const Outcome two = run(in, true, training, true);
    set_num_threads(before);
    EXPECT_EQ(one.y, two.y);
    EXPECT_EQ(one.running_mean, two.running_mean);
    EXPECT_EQ(one.running_var, two.running_var);
    EXPECT_EQ(one.dx, two.dx);
    EXPECT_EQ(one.dweight, two.dweight);
    EXPECT_EQ(one.dbias, two.dbias);
    EXPECT_EQ(one.dresidual, two.dresidual);
  }
}
