// The one loop every update runs in: a fused pass over the elements of (param, grad, state)
// for one tensor, vectorized for the running CPU's instruction set (kernels/cpu_dispatch.hpp),
// and split across threads above kParallelThreshold elements.
// The body reads and writes raw element pointers, so no temporary tensor is made.
#pragma once
// No fused multiply-add contraction in the updates (the build compiles src/descent/optim/
// with -ffp-contract=off): each line rounds as written, so the vectorized body, the scalar
// remainder and every thread's slice compute the same bits, and a step gives the same result
// at any thread count (tests/optim/test_parallel.cpp) and at every instruction set level
// (tests/optim/test_cpu_levels.cpp). The loops are memory-bound, so the
// extra multiply costs nothing measurable.
#include <omp.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "descent/core/threads.hpp"
#include "descent/kernels/cpu_dispatch.hpp"
#include "descent/optim/optimizer.hpp"
#include "descent/optim/sums.hpp"
#include "descent/tensor/tensor.hpp"

namespace descent::optim {

// body(i) for i in [0, n): the update of element i. Each thread takes one contiguous range
// (as `omp for schedule(static)`), vectorized for the running CPU (kernels::simd_for).
template <class F>
inline void for_each_element(int64_t n, F&& body) {
  if (n < kParallelThreshold) {
    kernels::simd_for(0, n, body);
  } else {
#pragma omp parallel
    {
      const int64_t thread = omp_get_thread_num(), threads = omp_get_num_threads();
      kernels::simd_for(n * thread / threads, n * (thread + 1) / threads, body);
    }
  }
}

// The loops of one optimizer step, collected per tensor and run together in one parallel
// region: each thread takes its contiguous share of every tensor, so a step over many
// tensors forks and joins once, not once per tensor (on a busy machine every join waits
// for the slowest thread). Below kParallelThreshold elements in all, one thread runs them.
// A body captures raw pointers by value; the tensors they point into (parameters, their
// gradients, state buffers) must outlive run(), which step() calls before returning.
class FusedStep {
 public:
  // body(i) for i in [0, n), later, in run().
  template <class F>
  void add(int64_t n, F body) {
    add_range(n, [body](int64_t begin, int64_t end) { kernels::simd_for(begin, end, body); });
  }

  // range(begin, end) over each thread's share of [0, n), later, in run(): a loop with
  // vector code of its own.
  void add_range(int64_t n, std::function<void(int64_t, int64_t)> range) {
    loops_.push_back({n, std::move(range)});
    total_ += n;
  }

  void run() {
    if (total_ < kParallelThreshold) {
      for (const Loop& loop : loops_) loop.range(0, loop.n);
    } else {
#pragma omp parallel
      {
        const int64_t thread = omp_get_thread_num(), threads = omp_get_num_threads();
        for (const Loop& loop : loops_) {
          const int64_t begin = loop.n * thread / threads, end = loop.n * (thread + 1) / threads;
          if (begin < end) loop.range(begin, end);
        }
      }
    }
    loops_.clear();
    total_ = 0;
  }

 private:
  struct Loop {
    int64_t n;
    std::function<void(int64_t, int64_t)> range;
  };
  std::vector<Loop> loops_;
  int64_t total_ = 0;
};

// The buffer `key` of a parameter's state, created as zeros shaped like the parameter on
// first use (as torch.optim's lazy state initialization).
inline Tensor& zeros_buffer(ParamState& state, const std::string& key, const Tensor& like) {
  auto it = state.buffers.find(key);
  if (it == state.buffers.end()) it = state.buffers.emplace(key, Tensor::zeros_like(like)).first;
  return it->second;
}

// The buffer `key`, created filled with `value`.
inline Tensor& full_buffer(ParamState& state, const std::string& key, const Tensor& like, double value) {
  auto it = state.buffers.find(key);
  if (it == state.buffers.end()) it = state.buffers.emplace(key, Tensor::full(like.shape(), value, like.dtype())).first;
  return it->second;
}

}  // namespace descent::optim
