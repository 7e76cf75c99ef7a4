// Smoothing noisy per-step curves (training loss per minibatch) before plotting: the
// exponential moving average with bias correction that TensorBoard's smoothing slider uses,
// so the first points are not pulled towards zero.
#pragma once
#include <span>
#include <vector>

namespace descent::viz {

// s_t = weight * s_{t-1} + (1 - weight) * x_t, reported as s_t / (1 - weight^n) where n counts
// the finite values so far. Non-finite values stay as they are in the output and leave the
// average untouched. weight 0 returns the input. Throws ValueError unless 0 <= weight < 1.
std::vector<double> smooth_ema(std::span<const double> values, double weight);

}  // namespace descent::viz
