// Replaying reference values from PyTorch (tests/reference/*.json, written by
// scripts/reference/gen_*.py): reading a file, its tensors, the comparison
// |descent - torch| <= atol + rtol |torch|, and the replay of one op case in one dtype.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "descent/descent.hpp"

namespace descent::testing {

using json = nlohmann::json;

// tests/reference/<file>, parsed.
inline json read_reference(const std::string& file) {
  const std::string path = std::string(DESCENT_REFERENCE_DIR) + "/" + file;
  std::ifstream in(path);
  if (!in) throw IOError("cannot open " + path);
  return json::parse(in);
}

inline Shape shape_of(const json& j) { return Shape(std::span<const int64_t>(j.get<std::vector<int64_t>>())); }

// {"shape": [...], "data": [...]} as a tensor of `dtype`.
inline Tensor tensor_from(const json& j, DType dtype) {
  const std::vector<double> data = j["data"].get<std::vector<double>>();
  return Tensor::from_data(std::span<const double>(data), shape_of(j["shape"]), dtype);
}

// Compares values elementwise, reporting the first mismatch.
inline ::testing::AssertionResult close(const Tensor& actual, const json& expected, double rtol, double atol,
                                        const std::string& what) {
  const Shape shape = shape_of(expected["shape"]);
  if (!(actual.shape() == shape))
    return ::testing::AssertionFailure() << what << ": shape " << actual.shape().str() << ", torch " << shape.str();
  const std::vector<double> a = actual.to_vector();
  const std::vector<double> e = expected["data"].get<std::vector<double>>();
  for (std::size_t i = 0; i < e.size(); ++i) {
    if (!(std::abs(a[i] - e[i]) <= atol + rtol * std::abs(e[i])))
      return ::testing::AssertionFailure() << what << ": element " << i << " is " << a[i] << ", torch " << e[i]
                                           << " (difference " << a[i] - e[i] << ")";
  }
  return ::testing::AssertionSuccess();
}

// An op as a reference case calls it: its inputs (as the op sees them) and its "params".
using OpFn = std::function<Tensor(const std::vector<Tensor>&, const json&)>;
using OpTable = std::map<std::string, OpFn>;

// Replays case c (torch's values under c[key]) in `dtype`: the output, the inputs the op
// updated in place ("mutated", where the case has them) and the gradient of every input.
inline void replay(const json& c, const OpTable& ops, DType dtype, const char* key, double rtol, double atol) {
  const std::string name = c["name"].get<std::string>() + " (" + key + ")";
  std::vector<Tensor> leaves, seen;
  for (const json& in : c["inputs"]) {
    Tensor leaf = tensor_from(in, dtype);
    if (in["requires_grad"].get<bool>()) leaf.requires_grad_();
    leaves.push_back(leaf);
    seen.push_back(in["transpose"].get<bool>() ? leaf.transpose(-1, -2) : leaf);
  }
  const auto op = ops.find(c["op"].get<std::string>());
  ASSERT_NE(op, ops.end()) << name << ": no op named " << c["op"];
  const Tensor out = op->second(seen, c["params"]);
  const json& expected = c[key];
  EXPECT_TRUE(close(out, expected["output"], rtol, atol, name + " output"));
  if (expected.contains("mutated"))
    for (const auto& [index, after] : expected["mutated"].items())
      EXPECT_TRUE(close(leaves[std::stoul(index)], after, rtol, atol, name + " input " + index + " after the call"));
  if (!expected.contains("grads")) {
    EXPECT_FALSE(out.requires_grad()) << name;
    return;
  }
  ASSERT_TRUE(out.requires_grad()) << name;
  out.backward(tensor_from(c["grad_output"], dtype));
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    const json& g = expected["grads"][i];
    if (g.is_null()) {
      EXPECT_FALSE(leaves[i].grad().defined()) << name << " input " << i;
      continue;
    }
    ASSERT_TRUE(leaves[i].grad().defined()) << name << ": no gradient reached input " << i;
    EXPECT_TRUE(close(leaves[i].grad(), g, rtol, atol, name + " grad of input " + std::to_string(i)));
  }
}

// Every op of the table has at least one case.
inline void expect_every_op_covered(const json& cases, const OpTable& ops) {
  std::set<std::string> used;
  for (const json& c : cases) used.insert(c["op"].get<std::string>());
  for (const auto& [name, fn] : ops) EXPECT_TRUE(used.count(name)) << "no reference case for " << name;
}

}  // namespace descent::testing
