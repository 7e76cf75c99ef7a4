// SequentialLR and ChainedScheduler, as torch/optim/lr_scheduler.py (1.13).
#include "descent/schedule/compose.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace descent::optim {

namespace {

void check_children(const std::string& name, const nlohmann::json& state, std::size_t count) {
  if (!state.contains("schedulers") || state["schedulers"].size() != count)
    throw ValueError(name + ".load_state_dict: the state holds " +
                     std::to_string(state.contains("schedulers") ? state["schedulers"].size() : 0) +
                     " schedules, this one " + std::to_string(count));
}

}  // namespace

CompositeLR::CompositeLR(Optimizer& optimizer, const std::vector<SchedulerBuilder>& builders,
                         std::vector<double> base_lrs)
    : LRScheduler(optimizer, std::move(base_lrs)) {
  if (builders.empty()) throw ValueError("a sequence or chain of schedules needs at least one schedule");
  for (const SchedulerBuilder& build : builders) schedulers_.push_back(build(optimizer, base_lrs_));
}

void CompositeLR::step() {
  advance([](LRScheduler& child) { child.step(); });
}

void CompositeLR::step(double metric) {
  advance([metric](LRScheduler& child) { child.step(metric); });
}

bool CompositeLR::needs_metric() const {
  return std::any_of(schedulers_.begin(), schedulers_.end(), [](const auto& child) { return child->needs_metric(); });
}

std::string CompositeLR::metric_mode() const {
  for (const auto& child : schedulers_)
    if (!child->metric_mode().empty()) return child->metric_mode();
  return {};
}

std::string CompositeLR::cycled_momentum() const {
  for (const auto& scheduler : schedulers_)
    if (!scheduler->cycled_momentum().empty()) return scheduler->cycled_momentum();
  return {};
}

nlohmann::json CompositeLR::state_dict() const {
  nlohmann::json state = LRScheduler::state_dict();
  state["schedulers"] = nlohmann::json::array();
  for (const auto& scheduler : schedulers_) state["schedulers"].push_back(scheduler->state_dict());
  return state;
}

void CompositeLR::load_state_dict(const nlohmann::json& state) {
  check_state(state);
  check_children(name(), state, schedulers_.size());
  for (std::size_t i = 0; i < schedulers_.size(); ++i) schedulers_[i]->check_state(state["schedulers"][i]);
  for (std::size_t i = 0; i < schedulers_.size(); ++i) schedulers_[i]->load_state_dict(state["schedulers"][i]);
  LRScheduler::load_state_dict(state);
}

SequentialLR::SequentialLR(Optimizer& optimizer, const std::vector<SchedulerBuilder>& schedulers,
                           std::vector<int64_t> milestones, std::vector<double> base_lrs)
    : CompositeLR(optimizer, schedulers, std::move(base_lrs)), milestones_(std::move(milestones)) {
  if (milestones_.size() != schedulers.size() - 1)
    throw ValueError("sequential: expects one milestone fewer than schedules, got " +
                     std::to_string(schedulers.size()) + " schedules and " + std::to_string(milestones_.size()) +
                     " milestones");
  for (std::size_t i = 0; i < milestones_.size(); ++i)
    if (milestones_[i] <= 0 || (i > 0 && milestones_[i] <= milestones_[i - 1]))
      throw ValueError("sequential: milestones must be positive and increasing, got " + std::to_string(milestones_[i]) +
                       (i > 0 ? " after " + std::to_string(milestones_[i - 1]) : ""));
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

void SequentialLR::advance(const std::function<void(LRScheduler&)>& step) {
  ++last_epoch_;
  auto idx = std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();
  LRScheduler& scheduler = *schedulers_[idx];
  if (idx > 0 && milestones_[idx - 1] == last_epoch_)
    scheduler.step_to(0);
  else
    step(scheduler);
  last_lr_ = scheduler.get_last_lr();
}

void SequentialLR::step_to(int64_t epoch) {
  ++step_count_;
  last_epoch_ = epoch;
  auto idx = std::upper_bound(milestones_.begin(), milestones_.end(), epoch) - milestones_.begin();
  LRScheduler& scheduler = *schedulers_[idx];
  scheduler.step_to(epoch - (idx > 0 ? milestones_[idx - 1] : 0));
  last_lr_ = scheduler.get_last_lr();
}

ChainedScheduler::ChainedScheduler(Optimizer& optimizer, const std::vector<SchedulerBuilder>& schedulers,
                                   std::vector<double> base_lrs)
    : CompositeLR(optimizer, schedulers, std::move(base_lrs)) {
  last_epoch_ = 0;
  last_lr_ = group_lrs();
}

void ChainedScheduler::advance(const std::function<void(LRScheduler&)>& step) {
  ++step_count_;
  ++last_epoch_;
  for (auto& scheduler : schedulers_) step(*scheduler);
  last_lr_ = group_lrs();
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

}  // namespace descent::optim
