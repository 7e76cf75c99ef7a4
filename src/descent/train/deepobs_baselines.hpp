// DeepOBS's published baselines (Schneider et al. 2019), as its repository stores them: one JSON
// file per run under baselines/PROBLEM/OPTIMIZER/SETTINGS/, from github.com/fsschneider/DeepOBS
// (commit 873bbc27). For each problem descent shares with them (quadratic_deep, fmnist_2c2d,
// cifar10_3c3d) we keep the test loss and accuracy of one run of SGD, Momentum and Adam at its
// best learning rate at a few epochs, so the report can set them beside a shortened protocol.
#pragma once
#include <string>
#include <vector>

namespace descent {

struct DeepObsBaseline {
  std::string problem;                      // fmnist_2c2d, ...
  std::string optimizer;                    // as DeepOBS names it (MomentumOptimizer: momentum 0.99, no Nesterov)
  double lr = 0;                            // its best learning rate of the 36-point grid
  int seed = 42;                            // DeepOBS runs seeds 42 to 51
  std::string file;                         // the run's file in the repository, baselines/…/random_seed__N__DATE.json
  std::vector<int> epochs;                  // the epochs kept (0: before training)
  std::vector<double> test_loss, test_acc;  // test_acc is empty for a problem without accuracy
};

const std::vector<DeepObsBaseline>& deepobs_baselines();
// The source, for the report: repository, commit, what was kept.
std::string deepobs_source();

// The kept epoch closest to `epoch` from below (the first kept one when none is).
std::size_t baseline_index(const DeepObsBaseline& baseline, int epoch);

}  // namespace descent
