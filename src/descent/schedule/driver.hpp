// ScheduleDriver: when a training loop steps its schedule. `descent train --schedule SPEC
// --schedule-per batch|epoch` builds one (make_schedule in train/run.hpp); fit() calls
// after_batch() after every optimizer step and after_epoch(dev loss, dev accuracy) after every
// dev evaluation, and the driver steps the schedule at the chosen one — metric-following
// schedules (plateau) once per epoch with the metric their mode asks for: the dev loss for
// mode=min, the dev accuracy for mode=max.
#pragma once
#include <memory>
#include <string>

#include "descent/schedule/scheduler.hpp"

namespace descent {

enum class StepEvery { batch, epoch };

// "batch" or "epoch"; anything else is a ValueError naming it.
StepEvery parse_step_every(const std::string& text);

class ScheduleDriver {
 public:
  // Refuses per-batch stepping of a schedule that follows a metric (there is one metric per epoch).
  ScheduleDriver(std::unique_ptr<optim::LRScheduler> scheduler, StepEvery every);
  // make_scheduler(spec, optimizer) stepped every `every`.
  ScheduleDriver(const std::string& spec, optim::Optimizer& optimizer, StepEvery every);

  void after_batch();
  void after_epoch(double dev_loss, double dev_accuracy);

  optim::LRScheduler& scheduler() { return *scheduler_; }
  const optim::LRScheduler& scheduler() const { return *scheduler_; }
  StepEvery every() const { return every_; }

 private:
  std::unique_ptr<optim::LRScheduler> scheduler_;
  StepEvery every_;
};

}  // namespace descent
