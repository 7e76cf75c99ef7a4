// Optimizer step benchmarks (issue 4, "Speed"): Adam and SGD with momentum over 10M float32
// parameters in 10 tensors of 1M, beside a STREAM triad over arrays of the same size
// measured in the same run (the memory-bandwidth ceiling; McCalpin 1995). Issue 18's
// optimizers take the same step (ADOPT and SAM within 1.5× of Adam, Prodigy within 2×;
// Adafactor and Muon on 1000 × 1000 matrices, which they factor or orthogonalize), and
// Muon's step on one 1024 × 1024 matrix is measured in GFLOP/s beside sgemm's. Each benchmark
// runs at 1 and 2 threads (the `threads` argument, applied with descent::set_num_threads);
// bench/run.sh optim runs this beside bench/optim_torch.py and prints the ratios.
//
// Bytes are counted as STREAM counts them, each array element read or written once per
// pass: Adam reads param, grad, exp_avg, exp_avg_sq and writes three of them (28 bytes per
// parameter); SGD with momentum reads param, grad, momentum_buffer and writes two (20 bytes).
// ADOPT counts as Adam (28). Prodigy needs Σ over every parameter before its update, so two
// passes: param, grad, θ₀, s read and s written (20), then the moments and the update as
// Adam's step, param, grad, m, v read and three written (28): 48. Adafactor (factors are a
// vector per matrix) reads param and grad for Σθ² and the rows' and columns' Σg² (8), grad
// for ΣU² (4), then param and grad, writing param (12): 24. SAM around Adam adds ‖g‖ (4),
// the ascent that also copies θ (reads θ, g, writes θ + ε and the copy: 16) and the restore
// (8): 28 + 28 = 56. Muon reads param, grad, momentum_buffer and writes two, plus its matrix
// products.
//
// What the ratios to Adam can reach: SAM's 56 bytes are irreducible, since ‖g‖ needs every
// gradient before the first ε, and θ must be copied and written back exactly (even swapping
// storage instead of copying leaves 28 + 4 + 12 = 44, 1.57× Adam's 28), so SAM(adam) is
// about 2× Adam's step, not 1.5×; its copy is written with streaming stores, which spare the
// read of the copy's lines that a plain store makes first. Prodigy's 48 bytes are 1.71×
// Adam's. Adafactor's 24 bytes are fewer than Adam's; its estimate v̂ = R·C / mean(R) is a
// row factor times a column factor, so U = g / √v̂ costs products per element, the roots
// and divisions once per row and column (rows where the floor ε₁² can bite excepted).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "descent/descent.hpp"
#include "descent/kernels/gemm.hpp"
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

// `count` parameters of this shape, each with a gradient, made once.
std::vector<Tensor> make_params(const Shape& shape = Shape{kPerTensor}, int64_t count = kTensors) {
  std::vector<Tensor> params;
  for (int64_t i = 0; i < count; ++i) {
    Tensor p = Tensor::normal(shape).requires_grad_();
    p.set_grad(Tensor::normal(shape, 0.0, 1e-3));
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
// An optimizer that evaluates a closure (SAM) gets one that leaves the gradients as they are.
void optimizer_step(benchmark::State& state, const std::string& spec, double bytes_per_param,
                    const Shape& shape = Shape{kPerTensor}) {
  set_threads(state);
  std::vector<Tensor> params = make_params(shape);
  auto optimizer = descent::optim::make_optimizer(spec, params);
  const std::function<double()> closure = [] { return 0.0; };
  auto step = [&] { optimizer->needs_closure() ? optimizer->step(closure) : optimizer->step(); };
  step();
  for (auto _ : state) {
    step();
    benchmark::ClobberMemory();
  }
  gb_per_s(state, bytes_per_param * kElems);
}

// Newton–Schulz on an r × k matrix (r ≤ k): per iteration X·Xᵀ (2r²k), A·A (2r³), B·X (2r²k).
double newton_schulz_flops(double r, double k, double steps) { return steps * (4.0 * r * r * k + 2.0 * r * r * r); }

// Muon's step on one 1024 × 1024 float32 matrix, in GFLOP/s of its five Newton–Schulz iterations.
void muon_1024(benchmark::State& state) {
  set_threads(state);
  std::vector<Tensor> params = make_params(Shape{1024, 1024}, 1);
  auto optimizer = descent::optim::make_optimizer("muon", params);
  optimizer->step();
  for (auto _ : state) {
    optimizer->step();
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(newton_schulz_flops(1024, 1024, 5) / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

// The sgemm rate Muon's Newton–Schulz is measured against: C = A·B, 1024 × 1024 float32.
void sgemm_1024(benchmark::State& state) {
  set_threads(state);
  constexpr int64_t n = 1024;
  std::vector<float> a(n * n, 0.5f), b(n * n, 0.25f), c(n * n);
  for (auto _ : state) {
    descent::kernels::gemm<float>(false, false, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * n * n * n / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

void adam(benchmark::State& s) { optimizer_step(s, "adam:lr=1e-3", 28.0); }
void adamw(benchmark::State& s) { optimizer_step(s, "adamw:lr=1e-3", 28.0); }
void sgd_momentum(benchmark::State& s) { optimizer_step(s, "sgd:lr=1e-3,momentum=0.9", 20.0); }
void adopt(benchmark::State& s) { optimizer_step(s, "adopt:lr=1e-3", 28.0); }
void adafactor(benchmark::State& s) { optimizer_step(s, "adafactor", 24.0, Shape{1000, 1000}); }
void prodigy(benchmark::State& s) { optimizer_step(s, "prodigy", 48.0); }
void sam_adam(benchmark::State& s) { optimizer_step(s, "sam(adam:lr=1e-3)", 28.0 + 28.0); }
void muon(benchmark::State& s) { optimizer_step(s, "muon", 20.0, Shape{1000, 1000}); }

void register_all() {
  const std::pair<const char*, void (*)(benchmark::State&)> benches[] = {
      {"optim/stream_triad", stream_triad},
      {"optim/adam", adam},
      {"optim/adamw", adamw},
      {"optim/sgd_momentum", sgd_momentum},
      {"optim/adopt", adopt},
      {"optim/adafactor", adafactor},
      {"optim/prodigy", prodigy},
      {"optim/sam_adam", sam_adam},
      {"optim/muon", muon},
      {"optim/muon_1024", muon_1024},
      {"optim/sgemm_1024", sgemm_1024},
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
