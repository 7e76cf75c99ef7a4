// Vectors as wide as a CPU level's registers (GCC/Clang vector extensions), for register-blocked
// kernels (small_batch.cpp, conv_direct.cpp) that are inlined into code compiled for that level
// (cpu_dispatch.hpp): 64 bytes for AVX-512, 32 for AVX2, 16 for SSE2.
#pragma once
#include <cstddef>
#include <utility>

namespace descent::kernels {

// A vector of `Bytes` bytes of T, and its loads and stores: whole, or the first n lanes (the
// rest read as zero, and not written).
template <class T, int Bytes>
struct Simd {
  typedef T V __attribute__((vector_size(Bytes)));
  // The same, at any address of a T and allowed to alias T (as the x86 intrinsics' types).
  typedef T Unaligned __attribute__((vector_size(Bytes), aligned(alignof(T)), may_alias));
  static constexpr int kLanes = Bytes / sizeof(T);

  static V load(const T* p) { return *reinterpret_cast<const Unaligned*>(p); }
  static void store(T* p, V v) { *reinterpret_cast<Unaligned*>(p) = v; }
  static V load(const T* p, int n) {
    if (n == kLanes) return load(p);
    V v{};
    for (int k = 0; k < n; ++k) v[k] = p[k];
    return v;
  }
  static void store(T* p, V v, int n) {
    if (n == kLanes) return store(p, v);
    for (int k = 0; k < n; ++k) p[k] = v[k];
  }
  // The sum of the lanes, halving: the low half plus the high half, down to one lane.
  template <class W>
  static T sum(W v) {
    constexpr std::size_t lanes = sizeof(W) / sizeof(T);
    if constexpr (lanes == 1) {
      return v[0];
    } else {
      return sum([&]<std::size_t... K>(std::index_sequence<K...>) {
        return __builtin_shufflevector(v, v, K...) + __builtin_shufflevector(v, v, (K + lanes / 2)...);
      }(std::make_index_sequence<lanes / 2>{}));
    }
  }
};

// v, held in a register: otherwise GCC folds a load into each multiply-add that uses it, and
// a block of five rows by four then makes 24 loads per 20 multiply-adds instead of nine. With
// AVX-512's 32 registers only; with 16 the blocks do not fit and GCC's own choice is better.
template <class V>
inline V in_register(V v) {
  if constexpr (sizeof(V) == 64) asm("" : "+v"(v));
  return v;
}

}  // namespace descent::kernels
