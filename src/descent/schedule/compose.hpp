// Composing schedules, as PyTorch 1.13: SequentialLR runs one schedule after another, switching
// at milestones; ChainedScheduler steps several at once, so their (recursive) effects multiply.
//
// Both take builders rather than built schedulers: a composite builds each child with its own
// base lrs, so every child's base lrs are the lrs from before any child was built — PyTorch's
// shared "initial_lr" — while each child's first step still sees the lr its predecessors left,
// as in torch.
#pragma once
#include <functional>
#include <memory>

#include "descent/schedule/scheduler.hpp"

namespace descent::optim {

// Builds a schedule on `optimizer` whose base lrs are `base_lrs`.
using SchedulerBuilder =
    std::function<std::unique_ptr<LRScheduler>(Optimizer& optimizer, const std::vector<double>& base_lrs)>;

// What SequentialLR and ChainedScheduler share: the children, built on the composite's base
// lrs; a step passed on to them (with or without the metric); and their states, saved and
// loaded inside the composite's.
class CompositeLR : public LRScheduler {
 public:
  void step() override;
  void step(double metric) override;
  bool needs_metric() const override;            // whether any child needs one
  std::string metric_mode() const override;      // the first child's that has one
  std::string cycled_momentum() const override;  // the first child's that cycles one
  nlohmann::json state_dict() const override;
  void load_state_dict(const nlohmann::json& state) override;

 protected:
  CompositeLR(Optimizer& optimizer, const std::vector<SchedulerBuilder>& builders, std::vector<double> base_lrs);
  std::vector<double> get_lr() override { return group_lrs(); }
  // One step of the composite, in which `step` steps a child.
  virtual void advance(const std::function<void(LRScheduler&)>& step) = 0;

  std::vector<std::unique_ptr<LRScheduler>> schedulers_;
};

// Schedule i runs from milestones[i-1] (0 for the first) until milestones[i]. At a milestone the
// next schedule jumps to its step 0 through its closed form (PyTorch's scheduler.step(0)), which
// resets the lr to that schedule's start rather than continuing from where the last one left it.
// A plateau schedule may be the last part only; it then receives step(metric) calls.
class SequentialLR final : public CompositeLR {
 public:
  SequentialLR(Optimizer& optimizer, const std::vector<SchedulerBuilder>& schedulers, std::vector<int64_t> milestones,
               std::vector<double> base_lrs = {});
  std::string name() const override { return "sequential"; }
  // Jumps to `epoch`: the schedule in charge there jumps to its own offset.
  void step_to(int64_t epoch) override;

  const std::vector<int64_t>& milestones() const { return milestones_; }

 private:
  void advance(const std::function<void(LRScheduler&)>& step) override;

  std::vector<int64_t> milestones_;
};

// Every step() steps each schedule in order; with chainable schedules the factors multiply
// (e.g. a constant warmup factor times an exponential decay).
class ChainedScheduler final : public CompositeLR {
 public:
  ChainedScheduler(Optimizer& optimizer, const std::vector<SchedulerBuilder>& schedulers,
                   std::vector<double> base_lrs = {});
  std::string name() const override { return "chained"; }
  void step_to(int64_t epoch) override;

 private:
  void advance(const std::function<void(LRScheduler&)>& step) override;
  void rewind() override;
};

}  // namespace descent::optim
