// Composing schedules, as PyTorch 1.13: SequentialLR runs one schedule after another, switching
// at milestones; ChainedScheduler steps several at once, so their (recursive) effects multiply.
//
// Both take builders rather than built schedulers: each child is built while the composite's
// BaseLrScope is open, so every child's base lrs are the lrs from before any child was built —
// PyTorch's shared "initial_lr" — while each child's first step still sees the lr its
// predecessors left, as in torch.
#pragma once
#include <functional>
#include <memory>

#include "descent/schedule/scheduler.hpp"

namespace descent {

using SchedulerBuilder = std::function<std::unique_ptr<LRScheduler>(Optimizer&)>;

// Schedule i runs from milestones[i-1] (0 for the first) until milestones[i]. At a milestone the
// next schedule jumps to its step 0 through its closed form (PyTorch's scheduler.step(0)), which
// resets the lr to that schedule's start rather than continuing from where the last one left it.
// A plateau schedule may be the last part only; it then receives step(metric) calls.
class SequentialLR final : public LRScheduler {
 public:
  SequentialLR(Optimizer& optimizer, const std::vector<SchedulerBuilder>& schedulers, std::vector<int64_t> milestones);
  std::string name() const override { return "sequential"; }

  void step() override;
  void step(double metric) override;
  bool needs_metric() const override;
  std::string metric_mode() const override;
  // Jumps to `epoch`: the schedule in charge there jumps to its own offset.
  void step_to(int64_t epoch) override;
  std::string cycled_momentum() const override;

  const std::vector<int64_t>& milestones() const { return milestones_; }

  nlohmann::json state_dict() const override;
  void load_state_dict(const nlohmann::json& state) override;

 private:
  std::vector<double> get_lr() override { return group_lrs(); }
  template <class Step>
  void advance(Step&& step);

  std::vector<std::unique_ptr<LRScheduler>> schedulers_;
  std::vector<int64_t> milestones_;
};

// Every step() steps each schedule in order; with chainable schedules the factors multiply
// (e.g. a constant warmup factor times an exponential decay).
class ChainedScheduler final : public LRScheduler {
 public:
  ChainedScheduler(Optimizer& optimizer, const std::vector<SchedulerBuilder>& schedulers);
  std::string name() const override { return "chained"; }

  void step() override;
  void step(double metric) override;
  bool needs_metric() const override;
  std::string metric_mode() const override;
  void step_to(int64_t epoch) override;
  std::string cycled_momentum() const override;

  nlohmann::json state_dict() const override;
  void load_state_dict(const nlohmann::json& state) override;

 private:
  std::vector<double> get_lr() override { return group_lrs(); }
  void rewind() override;

  std::vector<std::unique_ptr<LRScheduler>> schedulers_;
};

}  // namespace descent
