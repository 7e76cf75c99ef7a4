// Conv nets beside PyTorch 1.13 (the issue "Convolution at the machine's limit"): one training
// epoch through descent's own loop, fit(), on the 55,000 training images `descent train` uses
// (the last 5,000 of the 60,000 are its dev set, left out here, so only the epoch loop is timed):
//   lenet5_adam        lenet5 on MNIST, Adam lr 1e-3, batch 64
//   2c2d_momentum      2c2d on Fashion-MNIST, SGD lr 0.01 momentum 0.9, batch 128
//   resnet20_momentum  resnet20 on Fashion-MNIST, SGD lr 0.1 momentum 0.9 weight decay 5e-4, batch 128
// Each model is built as `descent train --model NAME` builds it (TrainConfig's defaults: ReLU,
// dropout 0.2 after every hidden fully connected layer, so lenet5's two and 2c2d's one; resnet20
// has none), seeded with $BENCH_CONV_SEED (default 1), which also seeds the shuffling and dropout.
// $BENCH_CONV_EXAMPLES=N cuts the epoch to the first N training images, for a quick look.
// Counters: steps, examples, parameters, macs (multiply-adds per example, nn/summary.hpp) and
// GFLOP/s = 3 x 2 x macs x examples / wall seconds (the forward product and the two of backward).
//
// Beside them:
//   layer/conv2_fwd_bwd  2c2d's second convolution (Conv2d 32 -> 64, 5x5, padding 'same') on a
//                        128 x 32 x 14 x 14 input: forward, then backward to the input and the
//                        weight, against cblas_sgemm's rate for 1024^3 measured in the same process
//                        (counters GFLOP/s, sgemm_GFLOP/s and of_sgemm, the fraction; both from
//                        the fastest call, FLOPs = 3 x 2 x multiply-adds)
//   layer/bn_relu_add    the end of a residual block, relu(batch_norm(x) + r), on resnet20's first
//                        stage (128 x 16 x 28 x 28, training): forward, then backward to x, r, the
//                        weight and the bias, as one op (fused:1, BatchNorm2d::forward_relu) or as
//                        the three ops (fused:0); one thread
//   memory/MODEL         the growth of peak RSS (VmHWM) over building the model and optimizer and
//                        5 training steps, after the data is loaded; run each alone, in a fresh
//                        process (--benchmark_filter='^memory/2c2d_momentum/'): it refuses otherwise
// Epochs and the layer run at 1 and 2 threads (descent::set_num_threads). bench/conv_epoch.sh runs
// this beside bench/conv_torch.py and prints the table. MNIST comes from data/mnist, Fashion-MNIST
// from /usr/share/datasets/fashion-mnist, either from $DESCENT_DATA_DIR first (as `descent train`).
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <map>
#include <string>

#include "descent/descent.hpp"
#include "descent/train/config.hpp"
#include "fit_epoch.hpp"

namespace {

using namespace descent;

struct Config {
  const char* name;
  const char* model;
  const char* data;
  const char* optimizer;
  int64_t batch;
};

constexpr Config kConfigs[] = {
    {"lenet5_adam", "lenet5", "mnist", "adam:lr=0.001", 64},
    {"2c2d_momentum", "2c2d", "fashion-mnist", "sgd:lr=0.01,momentum=0.9", 128},
    {"resnet20_momentum", "resnet20", "fashion-mnist", "sgd:lr=0.1,momentum=0.9,weight_decay=5e-4", 128},
};

constexpr int64_t kMemorySteps = 5;

// A non-negative integer from the environment, or `fallback` when unset.
int64_t env_int(const char* name, int64_t fallback) {
  const char* value = std::getenv(name);
  if (!value || !*value) return fallback;
  char* end = nullptr;
  const long long n = std::strtoll(value, &end, 10);
  if (*end || n < 0) {
    std::fprintf(stderr, "bench_conv: %s must be a non-negative integer, got '%s'\n", name, value);
    std::exit(2);
  }
  return n;
}

uint64_t seed() { return static_cast<uint64_t>(env_int("BENCH_CONV_SEED", 1)); }

// The training part of `name` ("mnist", "fashion-mnist"), loaded once, cut to $BENCH_CONV_EXAMPLES.
const DataSplits& training_data(const std::string& name) {
  static std::map<std::string, DataSplits> loaded;
  auto it = loaded.find(name);
  if (it == loaded.end())
    it = loaded.emplace(name, bench::training_part(load_dataset(name), env_int("BENCH_CONV_EXAMPLES", 0))).first;
  return it->second;
}

// The model and optimizer of `c`, as `descent train --model ... --optimizer ...` makes them.
struct Trainee {
  std::shared_ptr<Sequential> model;
  std::unique_ptr<optim::Optimizer> optimizer;
};
Trainee make_trainee(const Config& c, const Dataset& train) {
  TrainConfig config;
  config.model = c.model;
  manual_seed(seed());  // dropout draws from the default generator, as run_training seeds it
  Generator gen(seed());
  Trainee t;
  t.model = make_model(config.model, train.item_shape, train.num_classes, config.mlp_options(), &gen);
  t.optimizer = optim::make_optimizer(c.optimizer, t.model->parameters());
  return t;
}

bool g_ran_before = false;  // has this process run a benchmark already (memory/ needs a fresh one)

void epoch(benchmark::State& state, const Config& c) {
  g_ran_before = true;
  set_num_threads(static_cast<int>(state.range(0)));
  const DataSplits& data = training_data(c.data);
  ModelSummary summary;
  double seconds = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Trainee t = make_trainee(c, data.train);
    summary = summarize(*t.model, data.train.item_shape);
    state.ResumeTiming();
    const auto start = std::chrono::steady_clock::now();
    const FitResult r = bench::one_epoch(*t.model, *t.optimizer, data, c.batch, seed());
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.PauseTiming();
    state.counters["train_acc"] = r.history.front().train_acc;
    state.ResumeTiming();
  }
  const auto examples = static_cast<double>(data.train.size());
  state.counters["steps"] = static_cast<double>(bench::steps_per_epoch(data.train.size(), c.batch));
  state.counters["examples"] = examples;
  state.counters["parameters"] = static_cast<double>(summary.parameters);
  state.counters["macs"] = static_cast<double>(summary.macs);
  state.counters["seed"] = static_cast<double>(seed());
  state.counters["GFLOP/s"] = 6.0 * static_cast<double>(summary.macs) * examples / seconds / 1e9;
}

// ---------------------------------------------------------------- the layer against sgemm

// cblas_sgemm's rate for C = A B, all 1024 x 1024: the best of 20 calls after one to warm up.
double sgemm_flops_per_second() {
  constexpr int n = 1024;
  const Tensor a = Tensor::normal(Shape{n, n}), b = Tensor::normal(Shape{n, n});
  Tensor c = Tensor::empty(Shape{n, n});
  double best = 1e30;
  for (int i = 0; i <= 20; ++i) {
    const auto start = std::chrono::steady_clock::now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data<float>(), n, b.data<float>(), n, 0.0f,
                c.data<float>(), n);
    benchmark::ClobberMemory();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (i > 0) best = std::min(best, s);
  }
  return 2.0 * n * n * n / best;
}

// 2c2d's second convolution: forward, then backward to the input and the weight (and bias).
void conv2_fwd_bwd(benchmark::State& state) {
  g_ran_before = true;
  set_num_threads(static_cast<int>(state.range(0)));
  constexpr int64_t kBatch = 128, kIn = 32, kOut = 64, kSide = 14, kKernel = 5;
  Generator gen(seed());
  Conv2d conv(kIn, kOut, kKernel, {.padding_same = true}, DType::f32, &gen);
  Tensor x = Tensor::normal(Shape{kBatch, kIn, kSide, kSide}, 0.0, 1.0, DType::f32, &gen);
  x.requires_grad_();
  const Tensor grad_out = Tensor::normal(Shape{kBatch, kOut, kSide, kSide}, 0.0, 1.0, DType::f32, &gen);
  const double sgemm = sgemm_flops_per_second();
  double best = 1e30;  // the fastest call, as for sgemm: on a shared machine the mean also measures the others
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    for (Tensor* t : {&x, &conv.weight, &conv.bias}) t->zero_grad();
    conv.forward(x).backward(grad_out);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  const double flops = 3.0 * 2.0 * kBatch * kOut * kSide * kSide * kIn * kKernel * kKernel;
  state.counters["GFLOP/s"] = flops / best / 1e9;
  state.counters["sgemm_GFLOP/s"] = sgemm / 1e9;
  state.counters["of_sgemm"] = flops / best / sgemm;
}

// relu(bn(x) + r) forward and backward, fused or as three ops (see the file's opening comment).
void bn_relu_add_fwd_bwd(benchmark::State& state) {
  g_ran_before = true;
  set_num_threads(1);
  const bool fused = state.range(0) != 0;
  const Shape shape{128, 16, 28, 28};
  Generator gen(seed());
  Tensor x = Tensor::normal(shape, 0.0, 1.0, DType::f32, &gen), r = Tensor::normal(shape, 0.0, 1.0, DType::f32, &gen);
  x.requires_grad_();
  r.requires_grad_();
  const Tensor grad_out = Tensor::normal(shape, 0.0, 1.0, DType::f32, &gen);
  BatchNorm2d bn(shape[1]);
  for (auto _ : state) {
    for (Tensor* t : {&x, &r, &bn.weight, &bn.bias}) t->zero_grad();
    const Tensor y = fused ? bn.forward_relu(x, r) : relu(add(bn.forward(x), r));
    y.backward(grad_out);
  }
}

// ---------------------------------------------------------------- peak memory of training steps

// A field of /proc/self/status in KiB ("VmHWM", "VmRSS").
double status_kib(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1));
  return 0;
}

// Peak RSS growth over building the model and optimizer and kMemorySteps steps, at 1 thread.
// Writing 5 to /proc/self/clear_refs resets the peak (VmHWM) to the current RSS (Linux >= 4.0),
// so that loading the data, whose peak passes, is left out.
void peak_memory(benchmark::State& state, const Config& c) {
  if (g_ran_before) {
    state.SkipWithError("memory/ runs alone in a fresh process: --benchmark_filter='^memory/NAME/'");
    return;
  }
  g_ran_before = true;
  set_num_threads(1);
  const DataSplits& all = training_data(c.data);
  DataSplits steps = all;
  steps.train = all.train.rows(0, std::min(all.train.size(), kMemorySteps * c.batch));
  double baseline = 0, peak = 0;
  for (auto _ : state) {
    std::ofstream("/proc/self/clear_refs") << "5";
    baseline = status_kib("VmRSS");
    Trainee t = make_trainee(c, steps.train);
    bench::one_epoch(*t.model, *t.optimizer, steps, c.batch, seed());
    peak = status_kib("VmHWM");
  }
  state.counters["baseline_MiB"] = baseline / 1024;
  state.counters["peak_growth_MiB"] = (peak - baseline) / 1024;
  state.counters["steps"] = static_cast<double>(bench::steps_per_epoch(steps.train.size(), c.batch));
}

}  // namespace

int main(int argc, char** argv) {
  for (const Config& c : kConfigs)
    benchmark::RegisterBenchmark((std::string("conv/") + c.name).c_str(), epoch, c)
        ->ArgName("threads")
        ->Arg(1)
        ->Arg(2)
        ->Iterations(1)
        ->UseRealTime()
        ->MeasureProcessCPUTime()
        ->Unit(benchmark::kSecond);
  benchmark::RegisterBenchmark("layer/conv2_fwd_bwd", conv2_fwd_bwd)
      ->ArgName("threads")
      ->Arg(1)
      ->Arg(2)
      ->MinTime(2.0)
      ->UseRealTime()
      ->MeasureProcessCPUTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("layer/bn_relu_add", bn_relu_add_fwd_bwd)
      ->ArgName("fused")
      ->Arg(0)
      ->Arg(1)
      ->MeasureProcessCPUTime()
      ->Unit(benchmark::kMillisecond);
  for (const Config& c : kConfigs)
    benchmark::RegisterBenchmark((std::string("memory/") + c.name).c_str(), peak_memory, c)
        ->Iterations(1)
        ->UseRealTime()
        ->Unit(benchmark::kSecond);
  benchmark::Initialize(&argc, argv);
  try {
    benchmark::RunSpecifiedBenchmarks();
  } catch (const std::exception& e) {  // e.g. a data set that is not installed
    std::fprintf(stderr, "bench_conv: %s\n", e.what());
    return 1;
  }
  benchmark::Shutdown();
}
