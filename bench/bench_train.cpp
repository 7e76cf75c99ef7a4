// One MNIST training epoch (issue 3, "Speed") through descent's own training loop, fit(), on
// the 55,000 training images (the last 5,000 of the 60,000 are the dev set, left out here, so
// only the epoch loop is timed: shuffle, gather, forward, loss, backward, step, accuracy):
//   mlp_256_128_adam   784-256-128-10 ReLU, Adam (lr 1e-3), batch 64
//   mlp_30_sgd         784-30-10 sigmoid (Nielsen 2015, ch. 1), SGD lr 0.1, batch 10
//   mlp_1024_momentum  784-1024-1024-10 ReLU, SGD lr 0.01 momentum 0.9, batch 128
// Wall time and process CPU time (all threads) are both reported. Each runs once per repetition at 1 and 2 threads
// (descent::set_num_threads); the model is built afresh (seeded) for every repetition, outside the timing.
// bench/train_epoch.sh runs this beside bench/train_torch.py and prints the ratios. MNIST comes from data/mnist
// (scripts/fetch_mnist.sh; run from the repository root) or $DESCENT_MNIST.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "descent/descent.hpp"
#include "descent/nn/mlp.hpp"
#include "descent/optim/factory.hpp"
#include "fit_epoch.hpp"

namespace {

using namespace descent;

struct Config {
  const char* name;
  const char* model;
  const char* activation;
  const char* optimizer;
  int64_t batch;
};

constexpr Config kConfigs[] = {
    {"mlp_256_128_adam", "mlp:256-128", "relu", "adam:lr=0.001", 64},
    {"mlp_30_sgd", "mlp:30", "sigmoid", "sgd:lr=0.1", 10},
    {"mlp_1024_momentum", "mlp:1024-1024", "relu", "sgd:lr=0.01,momentum=0.9", 128},
};

const DataSplits& mnist() {
  static const DataSplits splits = [] {
    const char* dir = std::getenv("DESCENT_MNIST");
    return bench::training_part(load_mnist(dir ? dir : "data/mnist"));  // 55,000 images, as `descent train`
  }();
  return splits;
}

void epoch(benchmark::State& state, const Config& c) {
  set_num_threads(static_cast<int>(state.range(0)));
  const DataSplits& data = mnist();
  for (auto _ : state) {
    state.PauseTiming();
    Generator gen(1);
    auto model =
        make_mlp(c.model, data.train.num_features(), data.train.num_classes, {.activation = c.activation}, &gen);
    auto optimizer = optim::make_optimizer(c.optimizer, model->parameters());
    state.ResumeTiming();
    const FitResult r = bench::one_epoch(*model, *optimizer, data, c.batch, 1);
    state.PauseTiming();
    state.counters["train_acc"] = r.history.front().train_acc;
    state.ResumeTiming();
  }
  state.counters["steps"] = static_cast<double>(bench::steps_per_epoch(data.train.size(), c.batch));
}

}  // namespace

int main(int argc, char** argv) {
  for (const Config& c : kConfigs)
    benchmark::RegisterBenchmark((std::string("train/") + c.name).c_str(), epoch, c)
        ->ArgName("threads")
        ->Arg(1)
        ->Arg(2)
        ->Iterations(1)
        ->UseRealTime()
        ->MeasureProcessCPUTime()
        ->Unit(benchmark::kSecond);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
