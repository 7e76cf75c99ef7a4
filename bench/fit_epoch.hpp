// What the epoch benchmarks (bench_train.cpp, bench_conv.cpp) share: a data set's training part
// as `descent train` uses it, and one epoch through fit() with nothing else in it.
#pragma once
#include <cstdint>

#include "descent/data/dataset.hpp"
#include "descent/train/fit.hpp"

namespace descent::bench {

// The training images less the last 5,000 (the dev set `descent train` holds out of MNIST's and
// Fashion-MNIST's 60,000), cut to the first `limit` when 0 < limit < that; dev and test are
// empty, so fit() evaluates nothing and only the epoch loop is timed.
inline DataSplits training_part(const TrainTest& data, int64_t limit = 0) {
  DataSplits s;
  s.train = split_last(data.train, kMnistDevSize).first;
  if (limit > 0 && limit < s.train.size()) s.train = s.train.rows(0, limit);
  s.dev = s.test = s.train.rows(0, 0);
  return s;
}

// One quiet epoch of fit() over data.train in minibatches of `batch`, shuffled with `seed`:
// shuffle, gather, forward, loss, backward, step, accuracy.
inline FitResult one_epoch(Module& model, optim::Optimizer& optimizer, const DataSplits& data, int64_t batch,
                           uint64_t seed) {
  FitOptions o;
  o.epochs = 1;
  o.batch_size = batch;
  o.seed = seed;
  o.quiet = true;
  return fit(model, optimizer, data, o);
}

// Steps in one epoch of `examples` in minibatches of `batch` (the last one may be short).
inline int64_t steps_per_epoch(int64_t examples, int64_t batch) { return (examples + batch - 1) / batch; }

}  // namespace descent::bench
