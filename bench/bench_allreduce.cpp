// The communication part of a data-parallel step alone (docs/distributed.md, "Scaling
// model"): the time of Communicator::all_reduce_sum over float32 buffers of the gradient sizes
// of the models there, and of one float (the latency), on the ranks mpirun started.
//
//   mpirun -np 2 build/release/bench/bench_allreduce [REPETITIONS]
//
// Every rank runs the same fixed number of sums (a benchmark library's adaptive iteration
// counts would differ between ranks and hang the job), each after a barrier so that all
// ranks start together; rank 0 prints the median and the fastest. Without mpirun there is
// nothing to sum and the program says so.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "descent/dist/communicator.hpp"

namespace {

struct Buffer {
  std::string name;
  int64_t floats;
};

// Seconds of one all_reduce_sum of `values`, started together on every rank.
double time_one_sum(descent::dist::Communicator& world, std::vector<float>& values) {
  world.barrier();
  const auto start = std::chrono::steady_clock::now();
  world.all_reduce_sum(values);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  descent::dist::Session session(argc, argv);
  descent::dist::Communicator& world = descent::dist::Communicator::world();
  if (!world.distributed()) {
    std::fprintf(stderr, "bench_allreduce: run it under mpirun with two or more ranks, e.g. mpirun -np 2 %s\n",
                 argv[0]);
    return 2;
  }
  const int repetitions = argc > 1 ? std::atoi(argv[1]) : 50;
  if (repetitions < 1) {
    std::fprintf(stderr, "bench_allreduce: repetitions must be a positive integer, got %s\n", argv[1]);
    return 2;
  }
  // The parameter counts `descent summary --data mnist` prints for these models.
  const std::vector<Buffer> buffers = {{"one float (latency)", 1},
                                       {"LeNet-5 gradients", 61'706},
                                       {"MLP 784-256-128-10 gradients", 235'146},
                                       {"ResNet-20 gradients", 269'434}};
  if (world.is_root()) {
    std::printf("| buffer | bytes | ranks | median | fastest |\n|---|---|---|---|---|\n");
  }
  for (const Buffer& buffer : buffers) {
    std::vector<float> values(static_cast<std::size_t>(buffer.floats), 1.0f);
    for (int warm_up = 0; warm_up < 5; ++warm_up) time_one_sum(world, values);
    std::vector<double> seconds;
    for (int i = 0; i < repetitions; ++i) seconds.push_back(time_one_sum(world, values));
    std::sort(seconds.begin(), seconds.end());
    if (world.is_root())
      std::printf("| %s | %lld | %d | %.1f µs | %.1f µs |\n", buffer.name.c_str(),
                  static_cast<long long>(4 * buffer.floats), world.size(), 1e6 * seconds[seconds.size() / 2],
                  1e6 * seconds.front());
  }
  return 0;
}
