// Filter normalization for conv nets (Li et al. 2018, section 4): each filter of a direction,
// d[i] (C_in, kh, kw), has the norm of the same filter of the weights; biases and batch-norm
// parameters get zero; the landscape's origin is the trained conv net.
#include <gtest/gtest.h>

#include <cmath>

#include "descent/nn/models.hpp"
#include "descent/train/landscape.hpp"

using namespace descent;

namespace {

constexpr double kNormTolerance = 1e-5;  // float32 rounding of a filter's norm
const Shape kImage{1, 6, 6};

double filter_norm(const Tensor& t, int64_t filter) {
  double sum = 0;
  for (double v : t.select(0, filter).contiguous().to_vector()) sum += v * v;
  return std::sqrt(sum);
}

std::shared_ptr<Sequential> small_cnn(uint64_t seed) {
  Generator gen(seed);
  return make_model("cnn:c4k3p1-m2-c3k3-f8", kImage, 3, {.batch_norm = true}, &gen);
}

// 6x6 images of three classes: a bright row, a bright column or a bright diagonal, with noise.
Dataset line_images(int64_t n) {
  Generator gen(21);
  std::vector<float> x, y;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t label = static_cast<int64_t>(gen.randint(3));
    for (int r = 0; r < 6; ++r)
      for (int c = 0; c < 6; ++c) {
        const bool on = label == 0 ? r == 2 : label == 1 ? c == 3 : r == c;
        x.push_back(static_cast<float>((on ? 1.0 : 0.0) + gen.normal(0.0, 0.3)));
      }
    y.push_back(static_cast<float>(label));
  }
  return make_dataset(x, y, 36, 3, Shape{6, 6});
}

}  // namespace

TEST(ConvLandscape, FiltersHaveTheWeightsNormsAndTheRestIsZero) {
  auto model = small_cnn(3);
  const NamedTensors params = model->named_parameters();
  Generator gen(5);
  const NamedTensors direction = filter_normalized_direction(params, gen);
  int conv_filters = 0;
  for (std::size_t k = 0; k < params.size(); ++k) {
    const auto& [name, w] = params[k];
    const Tensor& d = direction[k].second;
    ASSERT_EQ(d.shape(), w.shape()) << name;
    if (w.dim() == 4) {
      for (int64_t filter = 0; filter < w.size(0); ++filter, ++conv_filters)
        EXPECT_NEAR(filter_norm(d, filter), filter_norm(w, filter), kNormTolerance * filter_norm(w, filter))
            << name << " filter " << filter;
    } else if (w.dim() == 1) {
      for (double v : d.to_vector()) EXPECT_EQ(v, 0.0) << name << ": biases and batch-norm parameters stay";
    }
  }
  EXPECT_EQ(conv_filters, 4 + 3);
}

TEST(ConvLandscape, OriginIsTheTrainedConvNet) {
  auto model = small_cnn(3);
  const Dataset data = line_images(120);
  const LossFunction loss = make_loss("cross_entropy", 3);
  model->eval();
  const EvalResult at_weights = evaluate(*model, data, loss, 120);
  const ModelFactory factory = [] { return std::shared_ptr<Module>(small_cnn(99)); };
  Generator gen(9);
  const Landscape landscape =
      loss_landscape(factory, model->state_dict(), data, loss, {.grid = 3, .lo = -1, .hi = 1, .batch_size = 120}, gen);
  ASSERT_EQ(landscape.loss.size(), 9u);
  EXPECT_DOUBLE_EQ(landscape.loss[4], at_weights.loss);
  EXPECT_NE(landscape.loss[0], at_weights.loss);
}
