// The learning-rate range test (Smith 2017, "Cyclical Learning Rates for Training Neural
// Networks", §3.3; fastai's lr_find): train for a few hundred steps while the learning rate
// grows exponentially from start_lr to end_lr, smooth the loss, and suggest a rate: where the
// smoothed loss falls fastest, and a tenth of the rate at its minimum, before it diverges.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "descent/data/dataset.hpp"
#include "descent/nn/module.hpp"
#include "descent/optim/optimizer.hpp"
#include "descent/train/config.hpp"
#include "descent/viz/figure.hpp"

namespace descent {

struct LrFindOptions {
  double start_lr = 1e-7, end_lr = 10;
  int64_t steps = 200;      // "a few hundred steps"
  double smoothing = 0.98;  // the loss's exponential moving average weight, bias-corrected
  double diverge = 4;       // stop when the smoothed loss exceeds this many times its minimum
  void validate() const;    // ValueError naming the flag
};

struct LrFindResult {
  std::vector<double> lrs, losses, smoothed;               // one per step taken
  bool diverged = false;                                   // stopped by the divergence rule
  double steepest_lr = 0;                                  // the smoothed loss falls fastest against log lr here
  double minimum_lr = 0;                                   // the smoothed loss is lowest here
  double suggested_lr() const { return minimum_lr / 10; }  // before divergence (fastai's lr_min)
};

// Runs the test with fit() on `model` and `optimizer` (the optimizer's lr is overwritten each
// step); the model's parameters and buffers are restored afterwards.
LrFindResult lr_range_test(Module& model, optim::Optimizer& optimizer, const DataSplits& data, FitOptions options,
                           const LrFindOptions& range);

// The same for what `descent train` would build from `config`.
LrFindResult lr_find(const TrainConfig& config, const std::vector<std::string>& param_groups,
                     const LrFindOptions& range);

// The raw and smoothed loss against the lr (log scale), with the two suggestions marked.
viz::Rendered plot_lr_find(const LrFindResult& result, const std::string& title = "");

}  // namespace descent
