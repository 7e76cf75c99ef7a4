// The convolution, pooling, batch-norm and pad ops against PyTorch 1.13:
// tests/reference/conv.json (scripts/reference/gen_conv.py) holds inputs, torch's outputs,
// the gradients of sum(output * grad_output) and batch_norm's updated running statistics, in
// float64 and float32. Each case is replayed here in both dtypes.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "common/reference.hpp"
#include "descent/ops/conv.hpp"

using namespace descent;
using namespace descent::testing;

namespace {

// |descent - torch| <= atol + rtol |torch|. float64 differs from torch only in the order of
// its sums; float32 also in float32 rounding of sums of up to a few hundred products (torch
// runs float32 convolutions on oneDNN, in another order).
constexpr double kRtol64 = 1e-12, kAtol64 = 1e-12;
constexpr double kRtol32 = 1e-5, kAtol32 = 1e-5;

Pair pair_of(const json& j) {
  if (j.is_number()) return Pair(j.get<int64_t>());
  return Pair(j.at(0).get<int64_t>(), j.at(1).get<int64_t>());
}

Pair pair_or(const json& p, const char* key, int64_t fallback) {
  return p.contains(key) ? pair_of(p[key]) : Pair(fallback);
}

std::optional<Pair> optional_pair(const json& p, const char* key) {
  if (!p.contains(key) || p[key].is_null()) return std::nullopt;
  return pair_of(p[key]);
}

Tensor optional_input(const std::vector<Tensor>& x, std::size_t i) { return x.size() > i ? x[i] : Tensor(); }

Tensor conv2d_case(const std::vector<Tensor>& x, const json& p) {
  const Tensor bias = optional_input(x, 2);
  const Pair stride = pair_or(p, "stride", 1), dilation = pair_or(p, "dilation", 1);
  const int64_t groups = p.value("groups", int64_t{1});
  if (p.contains("padding") && p["padding"].is_string())
    return conv2d(x[0], x[1], bias, stride, p["padding"] == "same" ? PaddingMode::same : PaddingMode::valid, dilation,
                  groups);
  return conv2d(x[0], x[1], bias, stride, pair_or(p, "padding", 0), dilation, groups);
}

// Inputs: x, then running_mean and running_var when "running", then weight and bias when "affine".
Tensor batch_norm_case(const std::vector<Tensor>& x, const json& p) {
  std::size_t next = 1;
  Tensor running_mean, running_var, weight, bias;
  if (p["running"].get<bool>()) {
    running_mean = x[next++];
    running_var = x[next++];
  }
  if (p["affine"].get<bool>()) {
    weight = x[next++];
    bias = x[next++];
  }
  return batch_norm(x[0], running_mean, running_var, weight, bias, p["training"].get<bool>(),
                    p["momentum"].get<double>(), p["eps"].get<double>());
}

// The calls, named as in gen_conv.py's OPS table.
const OpTable& ops() {
  static const OpTable table = {
      {"conv2d", conv2d_case},
      {"conv_transpose2d",
       [](auto& x, auto& p) {
         return conv_transpose2d(x[0], x[1], optional_input(x, 2), pair_or(p, "stride", 1), pair_or(p, "padding", 0),
                                 pair_or(p, "output_padding", 0), p.value("groups", int64_t{1}),
                                 pair_or(p, "dilation", 1));
       }},
      {"max_pool2d",
       [](auto& x, auto& p) {
         return max_pool2d(x[0], pair_of(p["kernel_size"]), optional_pair(p, "stride"), pair_or(p, "padding", 0),
                           pair_or(p, "dilation", 1), p.value("ceil_mode", false));
       }},
      {"avg_pool2d",
       [](auto& x, auto& p) {
         return avg_pool2d(x[0], pair_of(p["kernel_size"]), optional_pair(p, "stride"), pair_or(p, "padding", 0),
                           p.value("ceil_mode", false), p.value("count_include_pad", true));
       }},
      {"adaptive_avg_pool2d", [](auto& x, auto& p) { return adaptive_avg_pool2d(x[0], pair_of(p["output_size"])); }},
      {"batch_norm", batch_norm_case},
      {"pad", [](auto& x,
                 auto& p) { return pad(x[0], p["pad"].template get<std::vector<int64_t>>(), p.value("value", 0.0)); }},
  };
  return table;
}

const json& reference() {
  static const json j = read_reference("conv.json");
  return j;
}

}  // namespace

TEST(ConvReference, CoversEveryOpInTheTable) { expect_every_op_covered(reference()["cases"], ops()); }

TEST(ConvReference, Float64MatchesTorch) {
  for (const json& c : reference()["cases"]) replay(c, ops(), DType::f64, "f64", kRtol64, kAtol64);
}

TEST(ConvReference, Float32MatchesTorch) {
  for (const json& c : reference()["cases"]) replay(c, ops(), DType::f32, "f32", kRtol32, kAtol32);
}
