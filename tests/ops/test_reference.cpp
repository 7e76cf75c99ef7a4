// Every op against PyTorch 1.13: tests/reference/ops.json (scripts/reference/gen_ops.py)
// holds inputs, torch's outputs and the gradients of sum(output * grad_output), in float64
// and float32. Each case is replayed here in both dtypes.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "common/reference.hpp"

using namespace descent;
using namespace descent::testing;

namespace {

// |descent - torch| <= atol + rtol |torch|. float64 runs differ from torch only by the
// order of rounding; float32 runs by float32 rounding of intermediate values.
constexpr double kRtol64 = 1e-12, kAtol64 = 1e-13;
constexpr double kRtol32 = 1e-5, kAtol32 = 1e-6;

std::vector<int> int_list(const json& j) { return j.get<std::vector<int>>(); }

std::optional<double> optional_number(const json& p, const char* key) {
  if (!p.contains(key) || p[key].is_null()) return std::nullopt;
  return p[key].get<double>();
}

// The calls, named as in gen_ops.py's OPS table.
const OpTable& ops() {
  static const OpTable table = {
      {"add", [](auto& x, auto&) { return x[0] + x[1]; }},
      {"sub", [](auto& x, auto&) { return x[0] - x[1]; }},
      {"mul", [](auto& x, auto&) { return x[0] * x[1]; }},
      {"div", [](auto& x, auto&) { return x[0] / x[1]; }},
      {"add_scalar", [](auto& x, auto& p) { return x[0] + p["s"].template get<double>(); }},
      {"mul_scalar", [](auto& x, auto& p) { return x[0] * p["s"].template get<double>(); }},
      {"rsub", [](auto& x, auto& p) { return p["s"].template get<double>() - x[0]; }},
      {"rdiv", [](auto& x, auto& p) { return p["s"].template get<double>() / x[0]; }},
      {"neg", [](auto& x, auto&) { return -x[0]; }},
      {"maximum", [](auto& x, auto&) { return maximum(x[0], x[1]); }},
      {"minimum", [](auto& x, auto&) { return minimum(x[0], x[1]); }},
      {"where", [](auto& x, auto&) { return where(x[0], x[1], x[2]); }},
      {"eq", [](auto& x, auto&) { return eq(x[0], x[1]); }},
      {"gt", [](auto& x, auto&) { return gt(x[0], x[1]); }},
      {"lt", [](auto& x, auto&) { return lt(x[0], x[1]); }},
      {"pow", [](auto& x, auto& p) { return pow(x[0], p["exponent"].template get<double>()); }},
      {"square", [](auto& x, auto&) { return square(x[0]); }},
      {"sqrt", [](auto& x, auto&) { return sqrt(x[0]); }},
      {"exp", [](auto& x, auto&) { return exp(x[0]); }},
      {"log", [](auto& x, auto&) { return log(x[0]); }},
      {"abs", [](auto& x, auto&) { return abs(x[0]); }},
      {"clamp", [](auto& x, auto& p) { return clamp(x[0], optional_number(p, "min"), optional_number(p, "max")); }},
      {"sum",
       [](auto& x, auto& p) {
         return p.contains("dims") ? sum(x[0], int_list(p["dims"]), p.value("keepdim", false)) : sum(x[0]);
       }},
      {"mean",
       [](auto& x, auto& p) {
         return p.contains("dims") ? mean(x[0], int_list(p["dims"]), p.value("keepdim", false)) : mean(x[0]);
       }},
      {"max_all", [](auto& x, auto&) { return max(x[0]); }},
      {"max_dim", [](auto& x, auto& p) { return max(x[0], p["dim"].template get<int>(), p.value("keepdim", false)); }},
      {"min_dim", [](auto& x, auto& p) { return min(x[0], p["dim"].template get<int>(), p.value("keepdim", false)); }},
      {"argmax",
       [](auto& x, auto& p) { return argmax(x[0], p["dim"].template get<int>(), p.value("keepdim", false)); }},
      {"matmul", [](auto& x, auto&) { return matmul(x[0], x[1]); }},
      {"linear", [](auto& x, auto&) { return linear(x[0], x[1], x.size() > 2 ? x[2] : Tensor()); }},
      {"concat", [](auto& x, auto& p) { return concat(x, p["dim"].template get<int>()); }},
      {"stack", [](auto& x, auto& p) { return stack(x, p["dim"].template get<int>()); }},
      // Indices are stored as numbers; torch took them as int64 (.long()), and so does descent.
      {"index_select",
       [](auto& x, auto& p) { return index_select(x[0], p["dim"].template get<int>(), x[1].to(DType::i64)); }},
      {"gather", [](auto& x, auto& p) { return gather(x[0], p["dim"].template get<int>(), x[1].to(DType::i64)); }},
      {"one_hot",
       [](auto& x, auto& p) {
         return one_hot(x[0].to(DType::i64), p["num_classes"].template get<int64_t>(), x[0].dtype());
       }},
      {"relu", [](auto& x, auto&) { return relu(x[0]); }},
      {"leaky_relu", [](auto& x, auto& p) { return leaky_relu(x[0], p["negative_slope"].template get<double>()); }},
      {"sigmoid", [](auto& x, auto&) { return sigmoid(x[0]); }},
      {"tanh", [](auto& x, auto&) { return tanh(x[0]); }},
      {"gelu", [](auto& x, auto& p) { return gelu(x[0], p["approximate"] == "tanh"); }},
      {"softplus",
       [](auto& x, auto& p) {
         return softplus(x[0], p["beta"].template get<double>(), p["threshold"].template get<double>());
       }},
      {"softmax", [](auto& x, auto& p) { return softmax(x[0], p["dim"].template get<int>()); }},
      {"log_softmax", [](auto& x, auto& p) { return log_softmax(x[0], p["dim"].template get<int>()); }},
      {"reshape", [](auto& x, auto& p) { return x[0].reshape(shape_of(p["shape"])); }},
      {"transpose",
       [](auto& x, auto& p) { return x[0].transpose(p["dim0"].template get<int>(), p["dim1"].template get<int>()); }},
      {"permute",
       [](auto& x, auto& p) {
         const std::vector<int> d = int_list(p["dims"]);
         return x[0].permute({d.at(0), d.at(1), d.at(2)});
       }},
      {"expand", [](auto& x, auto& p) { return x[0].expand(shape_of(p["shape"])); }},
      {"slice",
       [](auto& x, auto& p) {
         return x[0].narrow(p["dim"].template get<int>(), p["start"].template get<int64_t>(),
                            p["length"].template get<int64_t>());
       }},
      {"select",
       [](auto& x, auto& p) { return x[0].select(p["dim"].template get<int>(), p["index"].template get<int64_t>()); }},
      {"flatten",
       [](auto& x, auto& p) {
         return x[0].flatten(p["start_dim"].template get<int>(), p["end_dim"].template get<int>());
       }},
      {"unsqueeze", [](auto& x, auto& p) { return x[0].unsqueeze(p["dim"].template get<int>()); }},
      {"squeeze", [](auto& x, auto& p) { return x[0].squeeze(p["dim"].template get<int>()); }},
  };
  return table;
}

const json& reference() {
  static const json j = read_reference("ops.json");
  return j;
}

}  // namespace

TEST(Reference, CoversEveryOpInTheTable) {
  expect_every_op_covered(reference()["cases"], ops());
  EXPECT_GE(reference()["cases"].size(), 100u);
}

TEST(Reference, Float64MatchesTorch) {
  for (const json& c : reference()["cases"]) replay(c, ops(), DType::f64, "f64", kRtol64, kAtol64);
}

TEST(Reference, Float32MatchesTorch) {
  for (const json& c : reference()["cases"]) replay(c, ops(), DType::f32, "f32", kRtol32, kAtol32);
}
