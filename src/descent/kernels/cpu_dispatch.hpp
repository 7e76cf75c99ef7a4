// One loop, compiled for every instruction set level and chosen at run time (cpu.hpp), as
// PyTorch's CPU_CAPABILITY kernels and OpenBLAS's DYNAMIC_ARCH do: the library is built for
// baseline x86-64 and still runs its hot loops in AVX2 or AVX-512 registers where the CPU has
// them.
//
// at_cpu_level(fn) calls fn.template operator()<L>() from a function compiled for level L
// (GCC's target attribute) with `flatten`, which inlines fn and everything it calls into that
// function, so the loops inside are vectorized for L's registers. Nothing outside that call is
// compiled for L, so no wide instruction can leak into code a baseline CPU runs. Two limits of
// the inlining: an OpenMP parallel region inside fn is outlined before it and stays baseline
// (choose the level inside the region), and calls through function pointers or into other
// translation units are not inlined.
//
// Only instruction sets change; the arithmetic is the same: where a folder is compiled with
// -ffp-contract=off (optim/, schedule/) no multiply-add is fused at any level, so the
// elementwise updates give the same bits at every level (tests/optim/test_cpu_levels.cpp).
#pragma once
#include <cstdint>

#include "descent/kernels/cpu.hpp"

namespace descent::kernels {

// Lowers cpu_level() to `level` while it lives, for tests and benchmarks that compare the
// levels in one process (ValueError above what the CPU has). Not while other threads run
// kernels; DESCENT_CPU is the way to choose a level for a whole run.
class CpuLevelOverride {
 public:
  explicit CpuLevelOverride(CpuLevel level);
  ~CpuLevelOverride();
  CpuLevelOverride(const CpuLevelOverride&) = delete;
  CpuLevelOverride& operator=(const CpuLevelOverride&) = delete;

 private:
  CpuLevel previous_;
};

namespace level_detail {

#define DESCENT_TARGET_AVX2 "avx2,fma,bmi,bmi2,popcnt,f16c"
#define DESCENT_TARGET_AVX512 DESCENT_TARGET_AVX2 ",avx512f,avx512vl,avx512bw,avx512dq,prefer-vector-width=512"

template <class Fn>
[[gnu::target(DESCENT_TARGET_AVX512), gnu::flatten]] decltype(auto) run_avx512(Fn& fn) {
  return fn.template operator()<CpuLevel::avx512>();
}

template <class Fn>
[[gnu::target(DESCENT_TARGET_AVX2), gnu::flatten]] decltype(auto) run_avx2(Fn& fn) {
  return fn.template operator()<CpuLevel::avx2>();
}

template <class Fn>
[[gnu::flatten]] decltype(auto) run_baseline(Fn& fn) {
  return fn.template operator()<CpuLevel::baseline>();
}

}  // namespace level_detail

// fn.template operator()<L>(), compiled for level L (which the running CPU must have): fn is a
// lambda [&]<CpuLevel L>() { ... } (L lets it pick, e.g., its vector width).
template <CpuLevel L, class Fn>
decltype(auto) at_level(Fn&& fn) {
  if constexpr (L == CpuLevel::avx512) {
    return level_detail::run_avx512(fn);
  } else if constexpr (L == CpuLevel::avx2) {
    return level_detail::run_avx2(fn);
  } else {
    return level_detail::run_baseline(fn);
  }
}

// at_level<cpu_level()>(fn): fn compiled for the running CPU's level.
template <class Fn>
decltype(auto) at_cpu_level(Fn&& fn) {
  switch (cpu_level()) {
    case CpuLevel::avx512: return at_level<CpuLevel::avx512>(fn);
    case CpuLevel::avx2: return at_level<CpuLevel::avx2>(fn);
    case CpuLevel::baseline: break;
  }
  return at_level<CpuLevel::baseline>(fn);
}

// fn.template operator()<cpu_level()>(), compiled as the code around it: for code that picks
// pieces compiled with at_level<L> itself (e.g. from a table of them).
template <class Fn>
decltype(auto) with_cpu_level(Fn&& fn) {
  switch (cpu_level()) {
    case CpuLevel::avx512: return fn.template operator()<CpuLevel::avx512>();
    case CpuLevel::avx2: return fn.template operator()<CpuLevel::avx2>();
    case CpuLevel::baseline: break;
  }
  return fn.template operator()<CpuLevel::baseline>();
}

// The bytes of the widest vector register at level L.
template <CpuLevel L>
inline constexpr int kVectorBytes = L == CpuLevel::avx512 ? 64
                                    : L == CpuLevel::avx2 ? 32
                                                          : 16;

// body(i) for i in [begin, end), vectorized (`omp simd`) for the running CPU's level.
template <class Body>
void simd_for(int64_t begin, int64_t end, Body&& body) {
  at_cpu_level([&]<CpuLevel>() {
#pragma omp simd
    for (int64_t i = begin; i < end; ++i) body(i);
  });
}

}  // namespace descent::kernels
