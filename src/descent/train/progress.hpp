// The progress display within an epoch: on a terminal a bar with steps/s, ETA and the
// running loss, redrawn at most ten times a second; nothing when output is not a terminal.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>

namespace descent {

class ProgressBar {
 public:
  // Shows itself only when `enabled` and stderr is a terminal.
  ProgressBar(bool enabled, int epoch, int epochs, int64_t steps);
  void update(int64_t step, double running_loss);  // cheap: returns at once between redraws
  void clear();                                    // erases the bar before the epoch's line

 private:
  bool active_;
  int epoch_, epochs_;
  int64_t steps_;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace descent
