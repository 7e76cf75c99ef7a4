// LRScheduler: the base of every learning-rate schedule, as torch.optim.lr_scheduler's
// _LRScheduler (PyTorch 1.13). A scheduler sets each parameter group's "lr" (and, for the
// cycling ones, "momentum" or "beta1") of an Optimizer; step() advances it by one epoch or
// one batch, whichever the caller chooses to count.
//
// As in PyTorch, constructing a scheduler performs its first step (last_epoch becomes 0), and
// most schedules are written in PyTorch's recursive ("chainable") form, which reads the group's
// current lr: so two schedulers on one optimizer compose (ChainedScheduler), and the numbers
// equal torch's to the last bit, quirks included (CosineAnnealingLR past T_max).
//
// Departures from PyTorch: the constructor has no last_epoch argument (a run resumes through
// state_dict/load_state_dict instead), and the "initial_lr" PyTorch writes into the parameter
// groups is kept in the scheduler (base_lrs) so the optimizer's options hold only its own
// hyperparameters. Every constructor takes the base lrs as an argument (empty: the groups'
// current lrs); composites (SequentialLR, ChainedScheduler) pass their own to every child, so
// all children share them as they share PyTorch's "initial_lr".
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "descent/optim/optimizer.hpp"

namespace descent::optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  // The schedule's name in specs ("cosine", "step", ...).
  virtual std::string name() const = 0;

  // One scheduler step (an epoch or a batch): last_epoch += 1, then every group's lr is set.
  virtual void step();
  // The step of a schedule that follows a metric (ReduceLROnPlateau); every other schedule
  // ignores the metric and takes an ordinary step.
  virtual void step(double metric);
  // True when step(metric) is the only meaningful step (plateau schedules).
  virtual bool needs_metric() const { return false; }
  // For those: "min" when the metric should fall (feed the dev loss), "max" when it should rise
  // (feed the dev accuracy); "" for every other schedule.
  virtual std::string metric_mode() const { return {}; }
  // PyTorch's deprecated step(epoch): jump to `epoch`, using the closed form where the schedule
  // has one. SequentialLR uses it at its milestones (the "reset" there).
  virtual void step_to(int64_t epoch);

  // The hyperparameter this schedule cycles besides lr ("momentum" or "beta1"), or "".
  virtual std::string cycled_momentum() const { return {}; }

  // Each group's lr as this scheduler last set it (PyTorch's get_last_lr()).
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  Optimizer& optimizer() const { return *optimizer_; }

  // Everything that changes as the schedule runs (counters, base lrs, last lrs, children), as
  // JSON: a checkpoint writer stores it verbatim (nlohmann::json round-trips doubles exactly).
  // Hyperparameters are not in it: rebuild the scheduler from its spec, restore the optimizer's
  // state_dict (which holds the groups' current lr and momentum), then load_state_dict here.
  // load_state_dict refuses (changing nothing) a state of another schedule or group count.
  virtual nlohmann::json state_dict() const;
  virtual void load_state_dict(const nlohmann::json& state);

 protected:
  // base_lrs: one per group, or empty for the groups' current lrs.
  LRScheduler(Optimizer& optimizer, std::vector<double> base_lrs);

  // PyTorch's _initial_step: a derived constructor's last statement.
  void initial_step();
  // Undoes the constructor's step (SequentialLR's "last_epoch -= 1" on its children).
  virtual void rewind() { --last_epoch_; }
  // Each group's lr at last_epoch_, in PyTorch's recursive form (may read the groups' lrs).
  virtual std::vector<double> get_lr() = 0;
  // The closed form at last_epoch_, for schedules that have one (used by step_to).
  virtual std::optional<std::vector<double>> closed_form_lr() const { return std::nullopt; }

  // Writes one lr per group and records them as the last lrs.
  void set_lrs(const std::vector<double>& lrs);
  std::vector<double> group_lrs() const;
  std::size_t num_groups() const { return optimizer_->param_groups().size(); }
  // Throws ValueError unless state["name"] is this schedule's name and its lists fit the groups.
  void check_state(const nlohmann::json& state) const;

  Optimizer* optimizer_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = -1;
  int64_t step_count_ = 0;
  std::vector<double> last_lr_;

  friend class CompositeLR;
  friend class SequentialLR;
  friend class ChainedScheduler;
};

// A value (or one per group) for a per-group hyperparameter, as PyTorch's "float or list".
std::vector<double> per_group(const std::string& schedule, const std::string& key, const std::vector<double>& values,
                              std::size_t groups);

}  // namespace descent::optim

// Temporary, until code outside schedule/ says optim::LRScheduler: the old name.
namespace descent {
using optim::LRScheduler;
}  // namespace descent
