// Optimizer step benchmarks (issue 4, "Speed"): Adam and SGD with momentum over 10M float32
// parameters in 10 tensors of 1M, beside a STREAM triad over arrays of the same size
// measured in the same run (the memory-bandwidth ceiling; McCalpin 1995). Each benchmark
// runs at 1 and 2 threads (the `threads` argument, applied with descent::set_num_threads);
// bench/run.sh optim runs this beside bench/optim_torch.py and prints the ratios.
//
// Bytes are counted as STREAM counts them, each array element read or written once per
// step: Adam reads param, grad, exp_avg, exp_avg_sq and writes three of them (28 bytes per
// parameter); SGD with momentum reads param, grad, momentum_buffer and writes two (20 bytes).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>

#include "descent/descent.hpp"
#include "descent/optim/factory.hpp"

namespace {

using descent::Shape;
using descent::Tensor;

constexpr int64_t kTensors = 10, kPerTensor = 1'000'000;  // 10M parameters, 40 MB per array
constexpr int64_t kElems = kTensors * kPerTensor;

void set_threads(const benchmark::State& state) { descent::set_num_threads(static_cast<int>(state.range(0))); }

void gb_per_s(benchmark::State& state, double bytes_per_iteration) {
  state.counters["GB/s"] = benchmark::Counter(bytes_per_iteration / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

// The 10 parameters, each with a gradient, made once.
std::vector<Tensor> make_params() {
  std::vector<Tensor> params;
  for (int64_t i = 0; i < kTensors; ++i) {
    Tensor p = Tensor::normal(Shape{kPerTensor}).requires_grad_();
    p.set_grad(Tensor::normal(Shape{kPerTensor}, 0.0, 1e-3));
    params.push_back(p);
  }
  return params;
}

// STREAM triad, a[i] = b[i] + s·c[i] over 10M floats: 12 bytes per element.
void stream_triad(benchmark::State& state) {
  set_threads(state);
  const int threads = static_cast<int>(state.range(0));
  std::unique_ptr<float[]> a(new float[kElems]), b(new float[kElems]), c(new float[kElems]);
#pragma omp parallel for simd schedule(static) num_threads(threads)
  for (int64_t i = 0; i < kElems; ++i) a[i] = 0.0f, b[i] = 1.0f, c[i] = 2.0f;  // first touch by its thread
  float* pa = a.get();
  const float* pb = b.get();
  const float* pc = c.get();
  const float s = 3.0f;
  for (auto _ : state) {
#pragma omp parallel for simd schedule(static) num_threads(threads)
    for (int64_t i = 0; i < kElems; ++i) pa[i] = pb[i] + s * pc[i];
    benchmark::ClobberMemory();
  }
  gb_per_s(state, 12.0 * kElems);
}

// One optimizer step over all 10 tensors per iteration; state is created by a first step.
void optimizer_step(benchmark::State& state, const std::string& spec, double bytes_per_param) {
  set_threads(state);
  std::vector<Tensor> params = make_params();
  auto optimizer = descent::optim::make_optimizer(spec, params);
  optimizer->step();
  for (auto _ : state) {
    optimizer->step();
    benchmark::ClobberMemory();
  }
  gb_per_s(state, bytes_per_param * kElems);
}

void adam(benchmark::State& s) { optimizer_step(s, "adam:lr=1e-3", 28.0); }
void adamw(benchmark::State& s) { optimizer_step(s, "adamw:lr=1e-3", 28.0); }
void sgd_momentum(benchmark::State& s) { optimizer_step(s, "sgd:lr=1e-3,momentum=0.9", 20.0); }

void register_all() {
  const std::pair<const char*, void (*)(benchmark::State&)> benches[] = {
      {"optim/stream_triad", stream_triad},
      {"optim/adam", adam},
      {"optim/adamw", adamw},
      {"optim/sgd_momentum", sgd_momentum},
  };
  for (const auto& [name, fn] : benches)
    benchmark::RegisterBenchmark(name, fn)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(
        benchmark::kMillisecond);
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
