// The scheduler base: the constructor's initial step, step/step_to, and the state dict.
#include "descent/schedule/scheduler.hpp"

#include <nlohmann/json.hpp>

namespace descent::optim {

std::vector<double> per_group(const std::string& schedule, const std::string& key, const std::vector<double>& values,
                              std::size_t groups) {
  if (values.size() == 1) return std::vector<double>(groups, values[0]);
  if (values.size() != groups)
    throw ValueError(schedule + ": expected 1 or " + std::to_string(groups) + " values for " + key + " (one per " +
                     "parameter group), got " + std::to_string(values.size()));
  return values;
}

LRScheduler::LRScheduler(Optimizer& optimizer, std::vector<double> base_lrs)
    : base_lrs_(std::move(base_lrs)), optimizer_(&optimizer), optimizer_alive_(optimizer.lifetime()) {
  if (base_lrs_.empty()) base_lrs_ = group_lrs();
  if (base_lrs_.size() != num_groups())
    throw ValueError("scheduler: got " + std::to_string(base_lrs_.size()) + " base lrs for " +
                     std::to_string(num_groups()) + " parameter groups");
  last_lr_ = group_lrs();
}

Optimizer& LRScheduler::optimizer() const {
  if (optimizer_alive_.expired())
    throw ValueError("scheduler " + name() + ": the optimizer this scheduler drives was destroyed; " +
                     "keep the optimizer alive as long as its scheduler");
  return *optimizer_;
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

void LRScheduler::step() {
  optimizer();  // refuses before any counter moves
  ++step_count_;
  ++last_epoch_;
  std::vector<double> lrs;
  try {
    lrs = get_lr();
  } catch (...) {  // a refused step (OneCycleLR past its end) leaves the scheduler as it was
    --step_count_;
    --last_epoch_;
    throw;
  }
  set_lrs(lrs);
}

void LRScheduler::step(double) { step(); }

void LRScheduler::step_to(int64_t epoch) {
  optimizer();  // refuses before any counter moves
  ++step_count_;
  last_epoch_ = epoch;
  std::optional<std::vector<double>> closed = closed_form_lr();
  set_lrs(closed ? *closed : get_lr());
}

void LRScheduler::set_lrs(const std::vector<double>& lrs) {
  auto& groups = optimizer().param_groups();
  for (std::size_t i = 0; i < groups.size(); ++i) groups[i].set_lr(lrs[i]);
  last_lr_ = lrs;
}

std::vector<double> LRScheduler::group_lrs() const {
  std::vector<double> lrs;
  for (const ParamGroup& g : optimizer().param_groups()) lrs.push_back(g.lr());
  return lrs;
}

nlohmann::json LRScheduler::state_dict() const {
  return {{"name", name()},
          {"last_epoch", last_epoch_},
          {"step_count", step_count_},
          {"base_lrs", base_lrs_},
          {"last_lr", last_lr_}};
}

void LRScheduler::check_state(const nlohmann::json& state) const {
  if (!state.is_object() || !state.contains("name") || state["name"] != name())
    throw ValueError(
        name() + ".load_state_dict: the state is not from a '" + name() + "' scheduler" +
        (state.is_object() && state.contains("name") ? " (it is from '" + state["name"].dump() + "')" : ""));
  for (const char* key : {"base_lrs", "last_lr"})
    if (state.contains(key) && state[key].size() != num_groups())
      throw ValueError(name() + ".load_state_dict: the state has " + std::to_string(state[key].size()) +
                       " parameter groups, the optimizer " + std::to_string(num_groups()));
}

void LRScheduler::load_state_dict(const nlohmann::json& state) {
  check_state(state);
  last_epoch_ = state.at("last_epoch").get<int64_t>();
  step_count_ = state.at("step_count").get<int64_t>();
  base_lrs_ = state.at("base_lrs").get<std::vector<double>>();
  last_lr_ = state.at("last_lr").get<std::vector<double>>();
}

}  // namespace descent::optim
