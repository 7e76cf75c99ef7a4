// A schedule's curve without training: the lr (and cycled momentum) after each scheduler step,
// for `descent schedule` and for plots.
#pragma once
#include <string>
#include <vector>

#include "descent/optim/optimizer.hpp"

namespace descent::optim {

struct ScheduleSeries {
  std::vector<double> lr;        // lr[t]: the first group's lr after t steps; lr[0] after construction
  std::string momentum_key;      // "momentum" or "beta1" when the schedule cycles it, else ""
  std::vector<double> momentum;  // the first group's momentum_key, row for row (empty if not cycled)
};

// Builds `spec` on `optimizer` and steps it `steps` times. A schedule that follows a metric
// (plateau) has no curve of its own: ValueError.
ScheduleSeries schedule_series(const std::string& spec, Optimizer& optimizer, int64_t steps);

// The same on a one-parameter optimizer made from `optimizer_spec` (optim's grammar) with lr.
ScheduleSeries schedule_series(const std::string& spec, double lr, int64_t steps,
                               const std::string& optimizer_spec = "sgd");

}  // namespace descent::optim
