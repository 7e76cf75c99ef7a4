// Shared by the gradcheck tests: seeded random shapes and inputs, inputs seen through
// non-contiguous views, and an assertion that reports where gradcheck failed.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "descent/descent.hpp"

namespace descent::testing {

// How an op sees an input: as stored, transposed (last two dims swapped), or every other
// element of the last dim. The latter two are non-contiguous views of the stored tensor.
enum class Layout { contiguous, transposed, strided };

inline const char* layout_name(Layout l) {
  return l == Layout::contiguous ? "contiguous" : l == Layout::transposed ? "transposed" : "strided";
}

// The stored shape whose view (under `layout`) has `shape`.
inline Shape stored_shape(Shape shape, Layout layout) {
  if (layout == Layout::transposed && shape.rank() >= 2) std::swap(shape[shape.rank() - 2], shape[shape.rank() - 1]);
  if (layout == Layout::strided && shape.rank() >= 1) shape[shape.rank() - 1] *= 2;
  return shape;
}

inline Tensor seen_as(const Tensor& stored, Layout layout) {
  if (layout == Layout::transposed && stored.dim() >= 2) return stored.transpose(-1, -2);
  if (layout == Layout::strided && stored.dim() >= 1) return stored.slice(-1, 0, stored.size(-1), 2);
  return stored;
}

inline Tensor randn(const Shape& shape, Generator& gen, double scale = 1.0) {
  return Tensor::normal(shape, 0.0, scale, DType::f64, &gen);
}

// Values in [lo, hi]: inputs of sqrt, log, pow with fractional exponents, divisors.
inline Tensor rand_between(const Shape& shape, Generator& gen, double lo, double hi) {
  return Tensor::uniform(shape, lo, hi, DType::f64, &gen);
}

// A shape of `rank` dims, each of size 1 to max_size.
inline Shape random_shape(Generator& gen, int rank, int64_t max_size = 4) {
  Shape s;
  for (int i = 0; i < rank; ++i) s.push_back(1 + static_cast<int64_t>(gen.randint(static_cast<uint64_t>(max_size))));
  return s;
}

// A shape that broadcasts with `s`: some dims set to 1, maybe some leading dims dropped.
inline Shape broadcastable_to(const Shape& s, Generator& gen) {
  Shape out;
  const int drop = static_cast<int>(gen.randint(static_cast<uint64_t>(s.rank())));
  for (int i = drop; i < s.rank(); ++i) out.push_back(gen.bernoulli(0.4) ? 1 : s[i]);
  return out;
}

inline ::testing::AssertionResult passes_gradcheck(const TensorFunction& f, const std::vector<Tensor>& inputs,
                                                   const GradcheckOptions& options = {}) {
  const GradcheckResult r = gradcheck(f, inputs, options);
  if (r.ok) return ::testing::AssertionSuccess();
  std::string shapes;
  for (const Tensor& t : inputs) shapes += t.shape().str() + " ";
  return ::testing::AssertionFailure() << r.message << " [inputs " << shapes << "]";
}

}  // namespace descent::testing
