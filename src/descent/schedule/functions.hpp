// Schedules that are pure functions of the step (optax style): lr = f(base_lr, t). Keras's
// LearningRateSchedule forms, classic decays and warmups; FunctionLR (lambda.hpp) drives an
// optimizer's groups with any of them, and `warmup+...` in a spec puts a warmup in front of any
// schedule. Each takes an options struct, whose member initializers are the defaults, and
// checks it, naming the offending key.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "descent/schedule/lambda.hpp"

namespace descent::optim {

// Keras ExponentialDecay and InverseTimeDecay.
struct RateDecayOptions {
  int64_t decay_steps = 0;
  double decay_rate = 0.0;
  bool staircase = false;  // floor the exponent (quotient) to whole decay periods
};

// Keras ExponentialDecay: base · rate^(t / decay_steps), the exponent floored when staircase.
LrFunction exponential_decay(const RateDecayOptions& options);

// Keras InverseTimeDecay: base / (1 + rate · t / decay_steps), the quotient floored when staircase.
LrFunction inverse_time_decay(const RateDecayOptions& options);

// Keras PiecewiseConstantDecay: values[0] for t ≤ boundaries[0], values[i] for
// boundaries[i-1] < t ≤ boundaries[i], values[n] after (absolute lrs: base is not used).
struct PiecewiseConstantOptions {
  std::vector<int64_t> boundaries;
  std::vector<double> values;  // one more than boundaries
};
LrFunction piecewise_constant_decay(const PiecewiseConstantOptions& options);

// Keras PolynomialDecay: (base − end_lr)(1 − t / decay_steps)^power + end_lr, t capped at
// decay_steps; with cycle, decay_steps grows to the next multiple of itself past t instead.
struct PolynomialDecayOptions {
  int64_t decay_steps = 0;
  double end_lr = 1e-4;
  double power = 1.0;
  bool cycle = false;
};
LrFunction polynomial_decay(const PolynomialDecayOptions& options);

// Keras CosineDecay: base · ((1 − alpha)(1 + cos(π min(t, decay_steps) / decay_steps)) / 2 + alpha).
// With warmup_target, first a linear warmup from base to warmup_target over warmup_steps, then
// the decay starts from warmup_target.
struct CosineDecayOptions {
  int64_t decay_steps = 0;
  double alpha = 0.0;
  int64_t warmup_steps = 0;
  std::optional<double> warmup_target;
};
LrFunction cosine_decay(const CosineDecayOptions& options);

// Keras CosineDecayRestarts (SGDR): cosine decays over periods first_decay_steps · t_mul^i,
// the i-th restart's peak scaled by m_mul^i, floored at alpha · base.
struct CosineDecayRestartsOptions {
  int64_t first_decay_steps = 0;
  double t_mul = 2.0;
  double m_mul = 1.0;
  double alpha = 0.0;
};
LrFunction cosine_decay_restarts(const CosineDecayRestartsOptions& options);

// Inverse square root with linear warmup (Vaswani et al., "Attention Is All You Need", 2017;
// fairseq's inverse_sqrt): base · (s + (1 − s) t / W) for t < W, base · √(W / t) after.
struct InverseSqrtOptions {
  int64_t warmup_steps = 0;
  double start_factor = 0.0;
};
LrFunction inverse_sqrt_decay(const InverseSqrtOptions& options);

// Exponential decay in continuous time: α₀ · e^(−k·t).
struct NaturalExpOptions {
  double k = 0.0;
};
LrFunction natural_exp_decay(const NaturalExpOptions& options);

// Halve the lr every `every` steps: base · 0.5^⌊t / every⌋.
struct HalvingOptions {
  int64_t every = 0;
};
LrFunction halving(const HalvingOptions& options);

// Warmup to base over `steps` steps, then base: linear from start_factor · base, or
// exponential (geometric) base · start_factor^(1 − t / steps).
struct WarmupOptions {
  int64_t steps = 0;
  std::string mode = "linear";         // "linear" or "exponential"
  std::optional<double> start_factor;  // unset: 0 for linear, 0.01 for exponential
};
LrFunction warmup(const WarmupOptions& options);

}  // namespace descent::optim
