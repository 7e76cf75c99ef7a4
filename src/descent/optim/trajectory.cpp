// Optimizer trajectories on test functions.
#include "descent/optim/trajectory.hpp"

#include "descent/optim/factory.hpp"
#include "descent/tensor/tensor.hpp"

namespace descent::optim {

std::vector<TrajectoryPoint> trajectory(const TestFunction& function, const std::string& spec, Point start,
                                        int64_t steps) {
  if (steps < 0) throw ValueError("trajectory: steps = " + std::to_string(steps) + " (expected >= 0)");
  // The point as a 1 × 2 matrix: elementwise optimizers see two numbers, matrix ones (Muon) one row.
  Tensor xy = Tensor::from_data({start[0], start[1]}, Shape{1, 2}, DType::f64);
  auto optimizer = make_optimizer(spec, std::vector<Tensor>{xy});
  auto closure = [&] {
    const double* p = xy.data<double>();
    Point g = function.gradient(p[0], p[1]);
    xy.set_grad(Tensor::from_data({g[0], g[1]}, Shape{1, 2}, DType::f64));
    return function.value(p[0], p[1]);
  };
  std::vector<TrajectoryPoint> path;
  path.reserve(static_cast<std::size_t>(steps) + 1);
  auto record = [&](int64_t t) {
    const double* p = xy.data<double>();
    path.push_back({t, p[0], p[1], function.value(p[0], p[1])});
  };
  record(0);
  for (int64_t t = 1; t <= steps; ++t) {
    optimizer->step(closure);
    record(t);
  }
  return path;
}

}  // namespace descent::optim
