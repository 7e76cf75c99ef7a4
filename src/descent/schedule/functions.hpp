// Schedules that are pure functions of the step (optax style): lr = f(base_lr, t). Keras's
// LearningRateSchedule forms, the seeds' forms, and warmups; FunctionLR (lambda.hpp) drives an
// optimizer's groups with any of them, and `warmup+...` in a spec puts a warmup in front of any
// schedule. Each constructor checks its arguments and names the offending one.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "descent/schedule/lambda.hpp"

namespace descent {

// Keras ExponentialDecay: base · rate^(t / decay_steps), the exponent floored when staircase.
LrFunction exponential_decay(int64_t decay_steps, double decay_rate, bool staircase = false);

// Keras PiecewiseConstantDecay: values[0] for t ≤ boundaries[0], values[i] for
// boundaries[i-1] < t ≤ boundaries[i], values[n] after (absolute lrs: base is not used).
LrFunction piecewise_constant_decay(std::vector<int64_t> boundaries, std::vector<double> values);

// Keras PolynomialDecay: (base − end_lr)(1 − t / decay_steps)^power + end_lr, t capped at
// decay_steps; with cycle, decay_steps grows to the next multiple of itself past t instead.
LrFunction polynomial_decay(int64_t decay_steps, double end_lr = 1e-4, double power = 1.0, bool cycle = false);

// Keras InverseTimeDecay: base / (1 + rate · t / decay_steps), the quotient floored when staircase.
LrFunction inverse_time_decay(int64_t decay_steps, double decay_rate, bool staircase = false);

// Keras CosineDecay: base · ((1 − alpha)(1 + cos(π min(t, decay_steps) / decay_steps)) / 2 + alpha).
// With warmup_target, first a linear warmup from base to warmup_target over warmup_steps, then
// the decay starts from warmup_target.
LrFunction cosine_decay(int64_t decay_steps, double alpha = 0.0, int64_t warmup_steps = 0,
                        std::optional<double> warmup_target = std::nullopt);

// Keras CosineDecayRestarts (SGDR): cosine decays over periods first_decay_steps · t_mul^i,
// the i-th restart's peak scaled by m_mul^i, floored at alpha · base.
LrFunction cosine_decay_restarts(int64_t first_decay_steps, double t_mul = 2.0, double m_mul = 1.0, double alpha = 0.0);

// Inverse square root with linear warmup (Vaswani et al., "Attention Is All You Need", 2017;
// fairseq's inverse_sqrt): base · (s + (1 − s) t / W) for t < W, base · √(W / t) after.
LrFunction inverse_sqrt_decay(int64_t warmup_steps, double start_factor = 0.0);

// Seed 003: α₀ · e^(−k·t).
LrFunction natural_exp_decay(double k);

// Halve the lr every `every` steps: base · 0.5^⌊t / every⌋.
LrFunction halving(int64_t every);

// Warmup to base over `steps` steps, then base: linear from start_factor · base, or
// exponential (geometric) base · start_factor^(1 − t / steps). mode: "linear" or "exponential".
LrFunction warmup(int64_t steps, double start_factor = 0.0, const std::string& mode = "linear");

}  // namespace descent
