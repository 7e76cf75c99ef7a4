// Shared by the schedule tests: an optimizer with two parameter groups at different lrs, as
// scripts/reference/gen_schedules.py builds in torch.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "descent/optim/factory.hpp"
#include "descent/schedule/schedule.hpp"

namespace descent::testing {

inline std::unique_ptr<optim::Optimizer> two_group_optimizer(const std::string& kind, double lr0 = 0.1,
                                                             double lr1 = 0.03) {
  std::vector<optim::ParamGroup> groups;
  for (double lr : {lr0, lr1})
    groups.push_back(
        optim::ParamGroup{.params = {Tensor::zeros(Shape{1}, DType::f64)}, .names = {}, .options = {{"lr", lr}}});
  return optim::make_optimizer(kind == "sgd" ? "sgd:lr=0.1,momentum=0.9" : kind, std::move(groups));
}

inline std::vector<double> lrs_of(const optim::Optimizer& o) {
  std::vector<double> lrs;
  for (const optim::ParamGroup& g : o.param_groups()) lrs.push_back(g.lr());
  return lrs;
}

}  // namespace descent::testing
