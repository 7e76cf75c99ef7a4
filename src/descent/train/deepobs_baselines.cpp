// Values copied from DeepOBS's baseline files (test_losses and test_accuracies, index = epoch):
//   baselines/fmnist_2c2d/AdamOptimizer/num_epochs__100__batch_size__128__beta1__9.e-01__beta2__9.99e-01__
//     epsilon__1.e-08__lr__2.5118864315e-04/random_seed__42__2019-02-13-15-01-30.json
//   baselines/fmnist_2c2d/MomentumOptimizer/num_epochs__100__batch_size__128__momentum__9.9e-01__
//     use_nesterov__False__lr__2.5118864315e-03/random_seed__42__2019-02-13-15-05-01.json
//   baselines/fmnist_2c2d/GradientDescentOptimizer/num_epochs__100__batch_size__128__lr__1.5848931925e-01/
//     random_seed__43__2019-02-15-16-58-23.json (seed 43: the repository's snapshot lacks seed 42 at this rate)
#include "descent/train/deepobs_baselines.hpp"

namespace descent {

const std::vector<DeepObsBaseline>& deepobs_baselines() {
  static const std::vector<DeepObsBaseline> baselines = {
      {"fmnist_2c2d",
       "SGD",
       1.5848931925e-01,
       43,
       {0, 1, 2, 5, 10, 20, 50, 100},
       {2.3312608, 0.3835220, 0.3442012, 0.2967996, 0.3099966, 0.4248601, 0.5960331, 0.6796609},
       {0.1069712, 0.8582732, 0.8709936, 0.8915264, 0.9021434, 0.9116587, 0.9237780, 0.9237780}},
      {"fmnist_2c2d",
       "Adam",
       2.5118864315e-04,
       42,
       {0, 1, 2, 5, 10, 20, 50, 100},
       {2.3009063, 0.3848523, 0.3368517, 0.2788533, 0.2467305, 0.2719051, 0.5066401, 0.6775638},
       {0.1200921, 0.8618790, 0.8795072, 0.9006410, 0.9113582, 0.9155649, 0.9211739, 0.9293870}},
      {"fmnist_2c2d",
       "Momentum (0.99)",
       2.5118864315e-03,
       42,
       {0, 1, 2, 5, 10, 20, 50, 100},
       {2.3009063, 0.3796183, 0.3262683, 0.2704311, 0.2792565, 0.3827439, 0.6426856, 0.7243006},
       {0.1200921, 0.8598758, 0.8805088, 0.9003405, 0.9048478, 0.9069511, 0.9217748, 0.9239784}},
  };
  return baselines;
}

std::string deepobs_source() {
  return "github.com/fsschneider/DeepOBS, commit 873bbc27, "
         "baselines/fmnist_2c2d/{GradientDescentOptimizer,MomentumOptimizer,AdamOptimizer}/…/random_seed__*.json "
         "(the test loss and accuracy of one run at the best learning rate of its 36-point grid: seed 43 for SGD, "
         "42 for the others; one seed, so no spread)";
}

std::size_t baseline_index(const DeepObsBaseline& baseline, int epoch) {
  std::size_t index = 0;
  for (std::size_t i = 0; i < baseline.epochs.size(); ++i)
    if (baseline.epochs[i] <= epoch) index = i;
  return index;
}

}  // namespace descent
