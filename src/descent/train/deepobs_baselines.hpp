// DeepOBS's published baselines (Schneider et al. 2019), as its repository stores them: one JSON
// file per run under baselines/PROBLEM/OPTIMIZER/SETTINGS/, from github.com/fsschneider/DeepOBS
// (commit 873bbc27). We keep the test loss and accuracy of one run at the best learning rate
// at a few epochs, so the report can set them beside a shortened protocol.
#pragma once
#include <string>
#include <vector>

namespace descent {

struct DeepObsBaseline {
  std::string problem;      // fmnist_2c2d, ...
  std::string optimizer;    // as DeepOBS names it (MomentumOptimizer: momentum 0.99, no Nesterov)
  double lr = 0;            // its best learning rate of the 36-point grid
  int seed = 42;            // DeepOBS runs seeds 42 to 51
  std::vector<int> epochs;  // the epochs kept (0: before training)
  std::vector<double> test_loss, test_acc;
};

const std::vector<DeepObsBaseline>& deepobs_baselines();
// The source, for the report: repository, commit, files.
std::string deepobs_source();

// The kept epoch closest to `epoch` from below (the first kept one when none is).
std::size_t baseline_index(const DeepObsBaseline& baseline, int epoch);

}  // namespace descent
