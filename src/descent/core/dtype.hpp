// Element types: float32 for speed, float64 for gradient checks and exact comparisons, int64
// for class targets, indices and argmax (as torch.long). int64 tensors have no gradient.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "descent/core/error.hpp"

namespace descent {

enum class DType { f32, f64, i64 };

inline constexpr std::size_t dtype_size(DType d) { return d == DType::f32 ? 4 : 8; }
inline constexpr std::string_view dtype_name(DType d) {
  return d == DType::f32 ? "float32" : d == DType::f64 ? "float64" : "int64";
}
inline constexpr bool is_floating(DType d) { return d != DType::i64; }

template <class T>
inline constexpr DType dtype_of = std::is_same_v<T, float>    ? DType::f32
                                  : std::is_same_v<T, double> ? DType::f64
                                                              : DType::i64;

// The one line every floating-only op gives an int64 tensor, naming the op.
inline void check_floating(DType d, std::string_view op) {
  if (d == DType::i64)
    throw ShapeError(std::string(op) +
                     ": int64 tensors have no gradient and this op takes float32 or float64; convert with "
                     ".to(DType::f32)");
}

// Calls f.template operator()<T>() with T = float or double, matching the dtype:
//   dispatch(t.dtype(), [&]<class T>() { ... t.data<T>() ... });
// Floating dtypes only: an int64 tensor is refused (ops that take int64 use dispatch_with_int64).
template <class F>
decltype(auto) dispatch(DType d, F&& f) {
  if (d == DType::f32) return std::forward<F>(f).template operator()<float>();
  check_floating(d, "this op");
  return std::forward<F>(f).template operator()<double>();
}

// The same with T = int64_t too, for the few ops that take int64 tensors: creation, copies and
// conversions, views, printing, comparisons, sum, argmax and the index ops.
template <class F>
decltype(auto) dispatch_with_int64(DType d, F&& f) {
  if (d == DType::i64) return std::forward<F>(f).template operator()<int64_t>();
  return dispatch(d, std::forward<F>(f));
}

}  // namespace descent
