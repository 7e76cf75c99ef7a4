// The lr series of a schedule, stepped on a real optimizer whose parameters never move.
#include "descent/schedule/series.hpp"

#include "descent/optim/factory.hpp"
#include "descent/schedule/spec.hpp"

namespace descent::optim {

ScheduleSeries schedule_series(const std::string& spec, Optimizer& optimizer, int64_t steps) {
  if (steps < 0) throw ValueError("schedule series: steps must be non-negative, got " + std::to_string(steps));
  std::unique_ptr<LRScheduler> scheduler = make_scheduler(spec, optimizer);
  if (scheduler->needs_metric())
    throw ValueError("schedule series: '" + spec + "' follows a metric (plateau), so it has no curve of its own");
  ScheduleSeries series;
  series.momentum_key = scheduler->cycled_momentum();
  const ParamGroup& group = optimizer.param_groups().at(0);
  auto record = [&] {
    series.lr.push_back(group.lr());
    if (!series.momentum_key.empty()) series.momentum.push_back(group.get(series.momentum_key));
  };
  record();
  for (int64_t t = 0; t < steps; ++t) {
    scheduler->step();
    record();
  }
  return series;
}

ScheduleSeries schedule_series(const std::string& spec, double lr, int64_t steps, const std::string& optimizer_spec) {
  if (!(lr > 0)) throw ValueError("schedule series: lr must be positive, got " + std::to_string(lr));
  std::unique_ptr<Optimizer> optimizer =
      make_optimizer(optimizer_spec, std::vector<Tensor>{Tensor::zeros(Shape{1}, DType::f64)});
  optimizer->param_groups()[0].set_lr(lr);
  return schedule_series(spec, *optimizer, steps);
}

}  // namespace descent::optim
