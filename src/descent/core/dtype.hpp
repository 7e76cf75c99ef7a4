// Element types: float32 for speed, float64 for gradient checks and exact comparisons.
#pragma once
#include <cstddef>
#include <string_view>
#include <utility>

#include "descent/core/error.hpp"

namespace descent {

enum class DType { f32, f64 };

inline constexpr std::size_t dtype_size(DType d) { return d == DType::f32 ? 4 : 8; }
inline constexpr std::string_view dtype_name(DType d) { return d == DType::f32 ? "float32" : "float64"; }

template <class T>
inline constexpr DType dtype_of = std::is_same_v<T, float> ? DType::f32 : DType::f64;

// Calls f.template operator()<T>() with T = float or double, matching the dtype:
//   dispatch(t.dtype(), [&]<class T>() { ... t.data<T>() ... });
template <class F>
decltype(auto) dispatch(DType d, F&& f) {
  if (d == DType::f32) return std::forward<F>(f).template operator()<float>();
  return std::forward<F>(f).template operator()<double>();
}

}  // namespace descent
