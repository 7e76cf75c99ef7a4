// The path an optimizer takes on a two-dimensional test function: what
// `descent trajectory` prints and the plots draw.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "descent/optim/test_functions.hpp"

namespace descent::optim {

struct TrajectoryPoint {
  int64_t step;  // 0 is the start; t the point after t steps
  double x, y, f;
};

// Runs the optimizer `spec` (as make_optimizer takes it) for `steps` steps from `start`,
// in float64. Each step's closure sets the analytic gradient, so L-BFGS works as well.
std::vector<TrajectoryPoint> trajectory(const TestFunction& function, const std::string& spec, Point start,
                                        int64_t steps);

}  // namespace descent::optim
