// ReduceLROnPlateau, as PyTorch 1.13: multiply every group's lr by `factor` once a metric has
// not improved for more than `patience` steps (epochs, usually), then wait `cooldown` steps
// before counting again; never below min_lr, and no change smaller than eps.
//
// The common heuristic "if dev accuracy did not improve during the last N epochs, decay the
// learning rate by α" is plateau_on_dev_accuracy below.
#pragma once
#include <memory>

#include "descent/schedule/scheduler.hpp"

namespace descent::optim {

struct ReduceLROnPlateauOptions {
  std::string mode = "min";            // "min": the metric should fall (a loss); "max": rise (accuracy)
  double factor = 0.1;                 // new_lr = lr · factor, factor < 1
  int64_t patience = 10;               // bad steps tolerated; the (patience+1)-th reduces
  double threshold = 1e-4;             // what counts as an improvement (see threshold_mode)
  std::string threshold_mode = "rel";  // "rel": beyond best·(1 ∓ threshold); "abs": best ∓ threshold
  int64_t cooldown = 0;
  std::vector<double> min_lr = {0.0};  // one value, or one per group
  double eps = 1e-8;
};

class ReduceLROnPlateau final : public LRScheduler {
 public:
  ReduceLROnPlateau(Optimizer& optimizer, ReduceLROnPlateauOptions options, std::vector<double> base_lrs = {});
  std::string name() const override { return "plateau"; }

  void step(double metric) override;
  // Without a metric there is nothing to compare: throws ValueError.
  void step() override;
  bool needs_metric() const override { return true; }
  std::string metric_mode() const override { return options_.mode; }
  // Inside SequentialLR, reaching this schedule's milestone: a fresh start at the base lrs.
  void step_to(int64_t epoch) override;

  nlohmann::json state_dict() const override;
  void load_state_dict(const nlohmann::json& state) override;

 private:
  std::vector<double> get_lr() override { return group_lrs(); }
  bool is_better(double a, double best) const;
  void reset();

  ReduceLROnPlateauOptions options_;
  std::vector<double> min_lrs_;
  double best_;
  int64_t num_bad_epochs_ = 0;
  int64_t cooldown_counter_ = 0;
};

// Decay the lr by `factor` when dev accuracy has not improved (at all) for `epochs` consecutive
// epochs: ReduceLROnPlateau with mode=max, patience=epochs−1, threshold=0 (abs). Step it once
// per epoch with the dev accuracy.
struct AccuracyPlateauOptions {
  int64_t epochs = 0;
  double factor = 0.5;
  double min_lr = 0.0;
};
std::unique_ptr<ReduceLROnPlateau> plateau_on_dev_accuracy(Optimizer& optimizer, AccuracyPlateauOptions options,
                                                           std::vector<double> base_lrs = {});

}  // namespace descent::optim
