// The pure schedules, each from the formula its documentation gives (Keras's
// keras/optimizers/schedules/learning_rate_schedule.py for the Keras forms).
#include "descent/schedule/functions.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace descent::optim {

namespace {

void require_positive(const std::string& schedule, const std::string& key, int64_t value) {
  if (value <= 0) throw ValueError(schedule + ": " + key + " must be a positive integer, got " + std::to_string(value));
}

}  // namespace

LrFunction exponential_decay(const RateDecayOptions& options) {
  require_positive("exponential_decay", "decay_steps", options.decay_steps);
  if (!(options.decay_rate > 0))
    throw ValueError("exponential_decay: decay_rate must be positive, got " + format_number(options.decay_rate));
  return [=](double base, int64_t t) {
    double p = static_cast<double>(t) / static_cast<double>(options.decay_steps);
    if (options.staircase) p = std::floor(p);
    return base * std::pow(options.decay_rate, p);
  };
}

LrFunction inverse_time_decay(const RateDecayOptions& options) {
  require_positive("inverse_time_decay", "decay_steps", options.decay_steps);
  if (options.decay_rate < 0)
    throw ValueError("inverse_time_decay: decay_rate must be non-negative, got " + format_number(options.decay_rate));
  return [=](double base, int64_t t) {
    double p = static_cast<double>(t) / static_cast<double>(options.decay_steps);
    if (options.staircase) p = std::floor(p);
    return base / (1 + options.decay_rate * p);
  };
}

LrFunction piecewise_constant_decay(const PiecewiseConstantOptions& options) {
  const std::vector<int64_t>& boundaries = options.boundaries;
  if (options.values.size() != boundaries.size() + 1)
    throw ValueError("piecewise_constant: expected one more value than boundaries, got " +
                     std::to_string(boundaries.size()) + " boundaries and " + std::to_string(options.values.size()) +
                     " values");
  for (std::size_t i = 1; i < boundaries.size(); ++i)
    if (boundaries[i] <= boundaries[i - 1])
      throw ValueError("piecewise_constant: boundaries must be increasing, but " + std::to_string(boundaries[i]) +
                       " follows " + std::to_string(boundaries[i - 1]));
  return [options](double, int64_t t) {
    const std::vector<int64_t>& bounds = options.boundaries;
    auto i = std::lower_bound(bounds.begin(), bounds.end(), t) - bounds.begin();  // first b ≥ t
    return options.values[i];
  };
}

LrFunction polynomial_decay(const PolynomialDecayOptions& options) {
  require_positive("polynomial_decay", "decay_steps", options.decay_steps);
  return [=](double base, int64_t t) {
    double steps = static_cast<double>(options.decay_steps);
    double step = static_cast<double>(t);
    if (options.cycle) {
      double multiplier = t == 0 ? 1.0 : std::ceil(step / steps);
      steps = steps * multiplier;
    } else {
      step = std::min(step, steps);
    }
    return (base - options.end_lr) * std::pow(1 - step / steps, options.power) + options.end_lr;
  };
}

LrFunction cosine_decay(const CosineDecayOptions& options) {
  // Named copies, not a structured binding: the schedule's lambdas capture them, which clang 14 refuses.
  const int64_t decay_steps = options.decay_steps, warmup_steps = options.warmup_steps;
  const double alpha = options.alpha;
  const std::optional<double> warmup_target = options.warmup_target;
  require_positive("cosine_decay", "decay_steps", decay_steps);
  if (!(alpha >= 0 && alpha <= 1))
    throw ValueError("cosine_decay: alpha must be in [0, 1], got " + format_number(alpha));
  if (warmup_steps < 0)
    throw ValueError("cosine_decay: warmup_steps must be non-negative, got " + std::to_string(warmup_steps));
  if (warmup_steps > 0 && !warmup_target)
    throw ValueError("cosine_decay: warmup_steps=" + std::to_string(warmup_steps) + " needs a warmup_target");
  auto decay = [=](double from, int64_t t) {
    double fraction = static_cast<double>(std::min(t, decay_steps)) / static_cast<double>(decay_steps);
    double cosine = 0.5 * (1 + std::cos(std::numbers::pi * fraction));
    return from * ((1 - alpha) * cosine + alpha);
  };
  return [=](double base, int64_t t) {
    if (!warmup_target) return decay(base, t);
    if (t < warmup_steps)
      return (*warmup_target - base) * static_cast<double>(t) / static_cast<double>(warmup_steps) + base;
    return decay(*warmup_target, t - warmup_steps);
  };
}

LrFunction cosine_decay_restarts(const CosineDecayRestartsOptions& options) {
  // Named copies, not a structured binding: the schedule's lambda captures them, which clang 14 refuses.
  const int64_t first_decay_steps = options.first_decay_steps;
  const double t_mul = options.t_mul, m_mul = options.m_mul, alpha = options.alpha;
  require_positive("cosine_decay_restarts", "first_decay_steps", first_decay_steps);
  if (!(t_mul >= 1)) throw ValueError("cosine_decay_restarts: t_mul must be >= 1, got " + format_number(t_mul));
  if (!(m_mul > 0)) throw ValueError("cosine_decay_restarts: m_mul must be positive, got " + format_number(m_mul));
  return [=](double base, int64_t t) {
    double fraction = static_cast<double>(t) / static_cast<double>(first_decay_steps);
    double restart;
    if (t_mul == 1.0) {
      restart = std::floor(fraction);
      fraction -= restart;
    } else {
      // Periods grow geometrically: restart i begins at (t_mul^i − 1) / (t_mul − 1) first periods.
      restart = std::floor(std::log(1 - fraction * (1 - t_mul)) / std::log(t_mul));
      double before = (1 - std::pow(t_mul, restart)) / (1 - t_mul);
      fraction = (fraction - before) / std::pow(t_mul, restart);
    }
    double cosine = 0.5 * std::pow(m_mul, restart) * (1 + std::cos(std::numbers::pi * fraction));
    return base * ((1 - alpha) * cosine + alpha);
  };
}

LrFunction inverse_sqrt_decay(const InverseSqrtOptions& options) {
  // Named copies, not a structured binding: the schedule's lambda captures them, which clang 14 refuses.
  const int64_t warmup_steps = options.warmup_steps;
  const double start_factor = options.start_factor;
  require_positive("inverse_sqrt", "warmup_steps", warmup_steps);
  if (!(start_factor >= 0 && start_factor <= 1))
    throw ValueError("inverse_sqrt: start_factor must be in [0, 1], got " + format_number(start_factor));
  return [=](double base, int64_t t) {
    double w = static_cast<double>(warmup_steps), step = static_cast<double>(t);
    if (t < warmup_steps) return base * (start_factor + (1 - start_factor) * step / w);
    return base * std::sqrt(w / step);
  };
}

LrFunction natural_exp_decay(const NaturalExpOptions& options) {
  const double k = options.k;
  if (!(k >= 0)) throw ValueError("natural_exp: k must be non-negative, got " + format_number(k));
  return [=](double base, int64_t t) { return base * std::exp(-k * static_cast<double>(t)); };
}

LrFunction halving(const HalvingOptions& options) {
  const int64_t every = options.every;
  require_positive("halving", "every", every);
  return [=](double base, int64_t t) {
    const int64_t halvings = t / every;  // whole periods elapsed: floor division intended
    return base * std::pow(0.5, static_cast<double>(halvings));
  };
}

LrFunction warmup(const WarmupOptions& options) {
  const int64_t steps = options.steps;
  require_positive("warmup", "steps", steps);
  if (options.mode == "linear") {
    const double start_factor = options.start_factor.value_or(0.0);
    if (!(start_factor >= 0 && start_factor <= 1))
      throw ValueError("warmup: start_factor must be in [0, 1], got " + format_number(start_factor));
    return [=](double base, int64_t t) {
      double done = static_cast<double>(std::min(t, steps)) / static_cast<double>(steps);
      return base * (start_factor + (1 - start_factor) * done);
    };
  }
  if (options.mode == "exponential") {
    const double start_factor = options.start_factor.value_or(0.01);
    if (!(start_factor > 0 && start_factor <= 1))
      throw ValueError("warmup: exponential warmup needs start_factor in (0, 1], got " + format_number(start_factor));
    return [=](double base, int64_t t) {
      double done = static_cast<double>(std::min(t, steps)) / static_cast<double>(steps);
      return base * std::pow(start_factor, 1 - done);
    };
  }
  throw ValueError("warmup: mode '" + options.mode + "' is unknown (valid: linear, exponential)");
}

}  // namespace descent::optim
