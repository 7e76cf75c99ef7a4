// Core-op benchmarks, each beside the ceiling it is judged against (issue 2, "Speed"):
// matmul against a raw cblas_sgemm call, elementwise ops and reductions over 10M floats
// against a STREAM-like loop (McCalpin, "Memory Bandwidth and Machine Balance", 1995), and
// the per-op overhead of a tiny autograd graph. Every benchmark runs at 1 and 2 threads
// (the `threads` argument, applied with descent::set_num_threads). bench/run.sh runs this
// beside bench/core_torch.py and prints the ratios.
//
// Bytes are counted as STREAM counts them: each array element read or written once, so a
// binary op over n floats moves 12n bytes and a full sum 4n. Rates are in real (wall) time.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <chrono>
#include <cstdint>

#include "descent/descent.hpp"

namespace {

using descent::Shape;
using descent::Tensor;

constexpr int64_t kRows = 10'000, kCols = 1'000;  // 10M floats, 40 MB per array: beyond L3
constexpr int64_t kElems = kRows * kCols;
constexpr int64_t kGemmN = 1024;

// Inputs shared by all benchmarks, made once (filling 10M values is slower than any op).
struct Inputs {
  Tensor a = Tensor::normal(Shape{kRows, kCols});
  Tensor b = Tensor::normal(Shape{kRows, kCols});
  Tensor ma = Tensor::normal(Shape{kGemmN, kGemmN});
  Tensor mb = Tensor::normal(Shape{kGemmN, kGemmN});
};
const Inputs& inputs() {
  static const Inputs in;
  return in;
}

void set_threads(const benchmark::State& state) { descent::set_num_threads(static_cast<int>(state.range(0))); }

void gb_per_s(benchmark::State& state, double bytes_per_iteration) {
  state.counters["GB/s"] = benchmark::Counter(bytes_per_iteration / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

void gflop_per_s(benchmark::State& state, double flops_per_iteration) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops_per_iteration / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

// ---------------------------------------------------------------- ceilings

// STREAM copy, c[i] = a[i]: 8 bytes per element.
void stream_copy(benchmark::State& state) {
  set_threads(state);
  const int threads = static_cast<int>(state.range(0));
  const Tensor a = Tensor::empty(Shape{kElems}), c = Tensor::empty(Shape{kElems});  // on the ops' pages
  float* pa = a.data<float>();
  float* pc = c.data<float>();
#pragma omp parallel for simd schedule(static) num_threads(threads)
  for (int64_t i = 0; i < kElems; ++i) pa[i] = 1.0f, pc[i] = 0.0f;  // first touch by the thread that uses it
  for (auto _ : state) {
#pragma omp parallel for simd schedule(static) num_threads(threads)
    for (int64_t i = 0; i < kElems; ++i) pc[i] = pa[i];
    benchmark::ClobberMemory();
  }
  gb_per_s(state, 8.0 * kElems);
}

// STREAM triad, a[i] = b[i] + s * c[i]: 12 bytes per element.
void stream_triad(benchmark::State& state) {
  set_threads(state);
  const int threads = static_cast<int>(state.range(0));
  const Tensor a = Tensor::empty(Shape{kElems}), b = Tensor::empty(Shape{kElems}), c = Tensor::empty(Shape{kElems});
  float* pa = a.data<float>();
  float* pb = b.data<float>();
  float* pc = c.data<float>();
#pragma omp parallel for simd schedule(static) num_threads(threads)
  for (int64_t i = 0; i < kElems; ++i) pa[i] = 0.0f, pb[i] = 1.0f, pc[i] = 2.0f;
  const float s = 3.0f;
  for (auto _ : state) {
#pragma omp parallel for simd schedule(static) num_threads(threads)
    for (int64_t i = 0; i < kElems; ++i) pa[i] = pb[i] + s * pc[i];
    benchmark::ClobberMemory();
  }
  gb_per_s(state, 12.0 * kElems);
}

// C = A B through OpenBLAS directly, into a preallocated C.
void sgemm(benchmark::State& state) {
  set_threads(state);
  const Inputs& in = inputs();
  Tensor c = Tensor::empty(Shape{kGemmN, kGemmN});
  const int n = static_cast<int>(kGemmN);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, in.ma.data<float>(), n, in.mb.data<float>(),
                n, 0.0f, c.data<float>(), n);
    benchmark::ClobberMemory();
  }
  gflop_per_s(state, 2.0 * kGemmN * kGemmN * kGemmN);
}

// ---------------------------------------------------------------- descent

void matmul(benchmark::State& state) {
  set_threads(state);
  const Inputs& in = inputs();
  for (auto _ : state) benchmark::DoNotOptimize(descent::matmul(in.ma, in.mb));
  gflop_per_s(state, 2.0 * kGemmN * kGemmN * kGemmN);
}

// A STREAM copy pass on arrays of the ops' size, timed beside each op (below).
double copy_pass_seconds(int threads) {
  static const Tensor a = Tensor::empty(Shape{kElems}), c = Tensor::empty(Shape{kElems});  // on the ops' pages
  float* pa = a.data<float>();
  float* pc = c.data<float>();
  static const bool touched = [&] {  // first touch spread over the threads, as the loop is
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < kElems; ++i) pa[i] = 1.0f, pc[i] = 0.0f;
    return true;
  }();
  (void)touched;
  const auto start = std::chrono::steady_clock::now();
#pragma omp parallel for simd schedule(static) num_threads(threads)
  for (int64_t i = 0; i < kElems; ++i) pc[i] = pa[i];
  benchmark::ClobberMemory();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// An op over the 10M-float inputs; `arrays` is how many 10M-float arrays it reads and writes.
// After each call, outside its timing, a STREAM copy pass runs, and its rate is reported as
// "paired GB/s": the two-thread bandwidth of this machine moves between runs (with where
// the host puts the two virtual cores), so each op is also judged against the bandwidth of
// the same moments.
template <class Op>
void elementwise(benchmark::State& state, int arrays, Op op) {
  set_threads(state);
  const int threads = static_cast<int>(state.range(0));
  const Inputs& in = inputs();
  double copy_seconds = 0.0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(op(in));
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    copy_seconds += copy_pass_seconds(threads);
  }
  gb_per_s(state, 4.0 * arrays * kElems);
  state.counters["paired GB/s"] = 8.0 * kElems * static_cast<double>(state.iterations()) / 1e9 / copy_seconds;
}

void add(benchmark::State& s) {
  elementwise(s, 3, [](const Inputs& in) { return descent::add(in.a, in.b); });
}
void mul(benchmark::State& s) {
  elementwise(s, 3, [](const Inputs& in) { return descent::mul(in.a, in.b); });
}
void mul_scalar(benchmark::State& s) {
  elementwise(s, 2, [](const Inputs& in) { return descent::mul(in.a, 0.5); });
}
void relu(benchmark::State& s) {
  elementwise(s, 2, [](const Inputs& in) { return descent::relu(in.a); });
}
void exp(benchmark::State& s) {
  elementwise(s, 2, [](const Inputs& in) { return descent::exp(in.a); });
}
// At the size where loops start to fork (kParallelThreshold elements, in cache): the second
// thread must pay for itself here too. Timed only; its bytes come from cache, not memory.
void add_32k(benchmark::State& state) {
  set_threads(state);
  const Tensor a = Tensor::normal(Shape{descent::kParallelThreshold});
  const Tensor b = Tensor::normal(Shape{descent::kParallelThreshold});
  for (auto _ : state) benchmark::DoNotOptimize(descent::add(a, b));
}
// A reduction reads the input once; its output is negligible (at most 10,000 floats).
void sum_all(benchmark::State& s) {
  elementwise(s, 1, [](const Inputs& in) { return descent::sum(in.a); });
}
void sum_dim0(benchmark::State& s) {
  elementwise(s, 1, [](const Inputs& in) { return descent::sum(in.a, {0}); });
}
void sum_dim1(benchmark::State& s) {
  elementwise(s, 1, [](const Inputs& in) { return descent::sum(in.a, {1}); });
}

// The fixed cost of the graph machinery: (x * y + z).sum() on 4x4 leaves, then backward.
// Gradients accumulate across iterations, as they would in torch without zero_grad.
void autograd_4op(benchmark::State& state) {
  set_threads(state);
  Tensor x = Tensor::normal(Shape{4, 4}).requires_grad_();
  Tensor y = Tensor::normal(Shape{4, 4}).requires_grad_();
  Tensor z = Tensor::normal(Shape{4, 4}).requires_grad_();
  for (auto _ : state) {
    Tensor loss = descent::sum(descent::add(descent::mul(x, y), z));
    loss.backward();
  }
}

void register_all() {
  struct Entry {
    const char* name;
    void (*fn)(benchmark::State&);
    bool paired;  // times itself (beside a STREAM copy pass), see elementwise()
  };
  const Entry benches[] = {
      {"core/stream_copy", stream_copy, false},
      {"core/stream_triad", stream_triad, false},
      {"core/sgemm", sgemm, false},
      {"core/matmul", matmul, false},
      {"core/add", add, true},
      {"core/add_32k", add_32k, false},
      {"core/mul", mul, true},
      {"core/mul_scalar", mul_scalar, true},
      {"core/relu", relu, true},
      {"core/exp", exp, true},
      {"core/sum_all", sum_all, true},
      {"core/sum_dim0", sum_dim0, true},
      {"core/sum_dim1", sum_dim1, true},
      {"core/autograd_4op", autograd_4op, false},
  };
  for (const Entry& e : benches) {
    auto* b = benchmark::RegisterBenchmark(e.name, e.fn);
    b->ArgName("threads")->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond);
    if (e.paired)
      b->UseManualTime();
    else
      b->UseRealTime();
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
