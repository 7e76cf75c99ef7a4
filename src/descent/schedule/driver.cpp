// ScheduleDriver: per-batch or per-epoch stepping, and the metric for plateau schedules.
#include "descent/schedule/driver.hpp"

#include "descent/schedule/spec.hpp"

namespace descent {

StepEvery parse_step_every(const std::string& text) {
  if (text == "batch") return StepEvery::batch;
  if (text == "epoch") return StepEvery::epoch;
  throw ValueError("schedule: step per '" + text + "' is unknown (valid: batch, epoch)");
}

ScheduleDriver::ScheduleDriver(std::unique_ptr<optim::LRScheduler> scheduler, StepEvery every)
    : scheduler_(std::move(scheduler)), every_(every) {
  if (scheduler_->needs_metric() && every_ == StepEvery::batch)
    throw ValueError("schedule: '" + scheduler_->name() +
                     "' follows the dev metric, which exists once per epoch; step it per epoch (--schedule-per epoch)");
}

ScheduleDriver::ScheduleDriver(const std::string& spec, optim::Optimizer& optimizer, StepEvery every)
    : ScheduleDriver(optim::make_scheduler(spec, optimizer), every) {}

void ScheduleDriver::after_batch() {
  if (every_ == StepEvery::batch) scheduler_->step();
}

void ScheduleDriver::after_epoch(double dev_loss, double dev_accuracy) {
  if (every_ != StepEvery::epoch) return;
  if (scheduler_->needs_metric())
    scheduler_->step(scheduler_->metric_mode() == "max" ? dev_accuracy : dev_loss);
  else
    scheduler_->step();
}

}  // namespace descent
