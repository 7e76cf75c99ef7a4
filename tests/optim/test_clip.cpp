// Gradient clipping against torch.nn.utils (tests/reference/optim_clip.json from
// scripts/reference/gen_optim.py), and its error paths.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "descent/descent.hpp"
#include "descent/optim/clip.hpp"

using namespace descent;
using namespace descent::optim;
using json = nlohmann::json;

namespace {

constexpr double kTolerance = 1e-12;

json load() {
  std::ifstream in(std::string(DESCENT_REFERENCE_DIR) + "/optim_clip.json");
  return json::parse(in);
}

Shape shape_of(const json& dims) {
  auto d = dims.get<std::vector<int64_t>>();
  return d.size() == 1 ? Shape{d[0]} : Shape{d[0], d[1]};
}

std::vector<Tensor> params_with_grads(const json& ref) {
  std::vector<Tensor> params;
  for (std::size_t i = 0; i < ref["shapes"].size(); ++i) {
    Shape s = shape_of(ref["shapes"][i]);
    Tensor p = Tensor::zeros(s, DType::f64).requires_grad_();
    auto g = ref["grads"][i].get<std::vector<double>>();
    p.set_grad(Tensor::from_data(std::span<const double>(g), s, DType::f64));
    params.push_back(p);
  }
  return params;
}

void expect_grads(const std::vector<Tensor>& params, const json& clipped) {
  for (std::size_t i = 0; i < params.size(); ++i) {
    auto expected = clipped[i].get<std::vector<double>>();
    auto ours = params[i].grad().to_vector();
    for (std::size_t j = 0; j < ours.size(); ++j) EXPECT_NEAR(ours[j], expected[j], kTolerance);
  }
}

}  // namespace

TEST(Clip, MatchesTorchNnUtils) {
  json ref = load();
  for (const json& c : ref["cases"]) {
    std::vector<Tensor> params = params_with_grads(ref);
    if (c["kind"] == "norm") {
      double norm_type = c["norm_type"].is_string() ? kInfNorm : c["norm_type"].get<double>();
      double total = clip_grad_norm_(params, c["max_norm"].get<double>(), norm_type);
      EXPECT_NEAR(total, c["total_norm"].get<double>(), kTolerance) << "norm_type " << norm_type;
    } else {
      clip_grad_value_(params, c["clip_value"].get<double>());
    }
    expect_grads(params, c["clipped"]);
  }
}

TEST(Clip, NonFiniteNormThrowsWhenAskedAndChangesNothing) {
  Tensor p = Tensor::zeros(Shape{2}, DType::f64).requires_grad_();
  p.set_grad(Tensor::from_data({INFINITY, 1.0}, Shape{2}, DType::f64));
  EXPECT_THROW(clip_grad_norm_({p}, 1.0, 2.0, true), ValueError);
  EXPECT_EQ(p.grad().at({1}), 1.0);
  EXPECT_TRUE(std::isinf(clip_grad_norm_({p}, 1.0)));
}

TEST(Clip, NoGradientsGiveZeroAndBadArgumentsAreRefused) {
  Tensor p = Tensor::zeros(Shape{2}, DType::f64).requires_grad_();
  EXPECT_EQ(clip_grad_norm_({p}, 1.0), 0.0);
  EXPECT_THROW(clip_grad_norm_({p}, 1.0, 0.0), ValueError);
  EXPECT_THROW(clip_grad_norm_({p}, -1.0), ValueError);
  EXPECT_THROW(clip_grad_value_({p}, -1.0), ValueError);
}
