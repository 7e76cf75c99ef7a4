// SequentialLR and ChainedScheduler, as torch/optim/lr_scheduler.py (1.13).
#include "descent/schedule/compose.hpp"

#include <algorithm>

namespace descent {

namespace {

std::vector<std::unique_ptr<LRScheduler>> build_all(Optimizer& optimizer, const std::vector<SchedulerBuilder>& builders,
                                                    const std::vector<double>& base_lrs) {
  BaseLrScope scope(optimizer, base_lrs);
  std::vector<std::unique_ptr<LRScheduler>> built;
  for (const SchedulerBuilder& build : builders) built.push_back(build(optimizer));
  return built;
}

std::string first_cycled(const std::vector<std::unique_ptr<LRScheduler>>& schedulers) {
  for (const auto& s : schedulers)
    if (!s->cycled_momentum().empty()) return s->cycled_momentum();
  return {};
}

nlohmann::json child_states(const std::vector<std::unique_ptr<LRScheduler>>& schedulers) {
  nlohmann::json states = nlohmann::json::array();
  for (const auto& s : schedulers) states.push_back(s->state_dict());
  return states;
}

void check_children(const std::string& name, const nlohmann::json& state, std::size_t count) {
  if (!state.contains("schedulers") || state["schedulers"].size() != count)
    throw ValueError(name + ".load_state_dict: the state holds " +
                     std::to_string(state.contains("schedulers") ? state["schedulers"].size() : 0) +
                     " schedules, this one " + std::to_string(count));
}

}  // namespace

SequentialLR::SequentialLR(Optimizer& optimizer, const std::vector<SchedulerBuilder>& schedulers,
                           std::vector<int64_t> milestones)
    : LRScheduler(optimizer), milestones_(std::move(milestones)) {
  if (schedulers.empty()) throw ValueError("sequential: needs at least one schedule");
  if (milestones_.size() != schedulers.size() - 1)
    throw ValueError("sequential: expects one milestone fewer than schedules, got " + std::to_string(schedulers.size()) +
                     " schedules and " + std::to_string(milestones_.size()) + " milestones");
  for (std::size_t i = 0; i < milestones_.size(); ++i)
    if (milestones_[i] <= 0 || (i > 0 && milestones_[i] <= milestones_[i - 1]))
      throw ValueError("sequential: milestones must be positive and increasing, got " +
                       std::to_string(milestones_[i]) + (i > 0 ? " after " + std::to_string(milestones_[i - 1]) : ""));
  schedulers_ = build_all(optimizer, schedulers, base_lrs_);
  for (std::size_t i = 0; i + 1 < schedulers_.size(); ++i)
    if (schedulers_[i]->needs_metric())
      throw ValueError("sequential: a '" + schedulers_[i]->name() +
                       "' schedule follows a metric and never ends; it can only be the last part");

  // Reset the lrs, undo every child's constructor step, and take the first child's again.
  set_lrs(base_lrs_);
  for (auto& s : schedulers_) s->rewind();
  schedulers_[0]->initial_step();
  last_epoch_ = 0;
  last_lr_ = schedulers_[0]->get_last_lr();
}

template <class Step>
void SequentialLR::advance(Step&& step) {
  ++last_epoch_;
  auto idx = std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();
  LRScheduler& scheduler = *schedulers_[idx];
  if (idx > 0 && milestones_[idx - 1] == last_epoch_)
    scheduler.step_to(0);
  else
    step(scheduler);
  last_lr_ = scheduler.get_last_lr();
}

void SequentialLR::step() {
  advance([](LRScheduler& s) { s.step(); });
}

void SequentialLR::step(double metric) {
  advance([metric](LRScheduler& s) { s.step(metric); });
}

bool SequentialLR::needs_metric() const { return schedulers_.back()->needs_metric(); }

std::string SequentialLR::metric_mode() const { return schedulers_.back()->metric_mode(); }

void SequentialLR::step_to(int64_t epoch) {
  ++step_count_;
  last_epoch_ = epoch;
  auto idx = std::upper_bound(milestones_.begin(), milestones_.end(), epoch) - milestones_.begin();
  LRScheduler& scheduler = *schedulers_[idx];
  scheduler.step_to(epoch - (idx > 0 ? milestones_[idx - 1] : 0));
  last_lr_ = scheduler.get_last_lr();
}

std::string SequentialLR::cycled_momentum() const { return first_cycled(schedulers_); }

nlohmann::json SequentialLR::state_dict() const {
  nlohmann::json state = LRScheduler::state_dict();
  state["schedulers"] = child_states(schedulers_);
  return state;
}

void SequentialLR::load_state_dict(const nlohmann::json& state) {
  check_state(state);
  check_children(name(), state, schedulers_.size());
  for (std::size_t i = 0; i < schedulers_.size(); ++i) schedulers_[i]->check_state(state["schedulers"][i]);
  for (std::size_t i = 0; i < schedulers_.size(); ++i) schedulers_[i]->load_state_dict(state["schedulers"][i]);
  LRScheduler::load_state_dict(state);
}

ChainedScheduler::ChainedScheduler(Optimizer& optimizer, const std::vector<SchedulerBuilder>& schedulers)
    : LRScheduler(optimizer) {
  if (schedulers.empty()) throw ValueError("chained: needs at least one schedule");
  schedulers_ = build_all(optimizer, schedulers, base_lrs_);
  last_epoch_ = 0;
  last_lr_ = group_lrs();
}

void ChainedScheduler::step() {
  ++step_count_;
  ++last_epoch_;
  for (auto& s : schedulers_) s->step();
  last_lr_ = group_lrs();
}

void ChainedScheduler::step(double metric) {
  ++step_count_;
  ++last_epoch_;
  for (auto& s : schedulers_) s->step(metric);
  last_lr_ = group_lrs();
}

bool ChainedScheduler::needs_metric() const {
  return std::any_of(schedulers_.begin(), schedulers_.end(), [](const auto& s) { return s->needs_metric(); });
}

std::string ChainedScheduler::metric_mode() const {
  for (const auto& s : schedulers_)
    if (!s->metric_mode().empty()) return s->metric_mode();
  return {};
}

void ChainedScheduler::step_to(int64_t epoch) {
  ++step_count_;
  last_epoch_ = epoch;
  for (auto& s : schedulers_) s->step_to(epoch);
  last_lr_ = group_lrs();
}

void ChainedScheduler::rewind() {
  --last_epoch_;
  for (auto& s : schedulers_) s->rewind();
}

std::string ChainedScheduler::cycled_momentum() const { return first_cycled(schedulers_); }

nlohmann::json ChainedScheduler::state_dict() const {
  nlohmann::json state = LRScheduler::state_dict();
  state["schedulers"] = child_states(schedulers_);
  return state;
}

void ChainedScheduler::load_state_dict(const nlohmann::json& state) {
  check_state(state);
  check_children(name(), state, schedulers_.size());
  for (std::size_t i = 0; i < schedulers_.size(); ++i) schedulers_[i]->check_state(state["schedulers"][i]);
  for (std::size_t i = 0; i < schedulers_.size(); ++i) schedulers_[i]->load_state_dict(state["schedulers"][i]);
  LRScheduler::load_state_dict(state);
}

}  // namespace descent
