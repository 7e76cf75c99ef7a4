// The pure schedules, each from the formula its documentation gives (Keras's
// keras/optimizers/schedules/learning_rate_schedule.py for the Keras forms).
#include "descent/schedule/functions.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace descent {

namespace {

void require_positive(const std::string& schedule, const std::string& key, int64_t value) {
  if (value <= 0)
    throw ValueError(schedule + ": " + key + " must be a positive integer, got " + std::to_string(value));
}

}  // namespace

LrFunction exponential_decay(int64_t decay_steps, double decay_rate, bool staircase) {
  require_positive("exponential_decay", "decay_steps", decay_steps);
  if (!(decay_rate > 0)) throw ValueError("exponential_decay: decay_rate must be positive, got " + std::to_string(decay_rate));
  return [=](double base, int64_t t) {
    double p = static_cast<double>(t) / static_cast<double>(decay_steps);
    if (staircase) p = std::floor(p);
    return base * std::pow(decay_rate, p);
  };
}

LrFunction piecewise_constant_decay(std::vector<int64_t> boundaries, std::vector<double> values) {
  if (values.size() != boundaries.size() + 1)
    throw ValueError("piecewise_constant: expected one more value than boundaries, got " +
                     std::to_string(boundaries.size()) + " boundaries and " + std::to_string(values.size()) + " values");
  for (std::size_t i = 1; i < boundaries.size(); ++i)
    if (boundaries[i] <= boundaries[i - 1])
      throw ValueError("piecewise_constant: boundaries must be increasing, but " + std::to_string(boundaries[i]) +
                       " follows " + std::to_string(boundaries[i - 1]));
  return [boundaries = std::move(boundaries), values = std::move(values)](double, int64_t t) {
    auto i = std::lower_bound(boundaries.begin(), boundaries.end(), t) - boundaries.begin();  // first b ≥ t
    return values[i];
  };
}

LrFunction polynomial_decay(int64_t decay_steps, double end_lr, double power, bool cycle) {
  require_positive("polynomial_decay", "decay_steps", decay_steps);
  return [=](double base, int64_t t) {
    double steps = static_cast<double>(decay_steps);
    double step = static_cast<double>(t);
    if (cycle) {
      double multiplier = t == 0 ? 1.0 : std::ceil(step / steps);
      steps = steps * multiplier;
    } else {
      step = std::min(step, steps);
    }
    return (base - end_lr) * std::pow(1 - step / steps, power) + end_lr;
  };
}

LrFunction inverse_time_decay(int64_t decay_steps, double decay_rate, bool staircase) {
  require_positive("inverse_time_decay", "decay_steps", decay_steps);
  if (decay_rate < 0) throw ValueError("inverse_time_decay: decay_rate must be non-negative, got " + std::to_string(decay_rate));
  return [=](double base, int64_t t) {
    double p = static_cast<double>(t) / static_cast<double>(decay_steps);
    if (staircase) p = std::floor(p);
    return base / (1 + decay_rate * p);
  };
}

LrFunction cosine_decay(int64_t decay_steps, double alpha, int64_t warmup_steps, std::optional<double> warmup_target) {
  require_positive("cosine_decay", "decay_steps", decay_steps);
  if (!(alpha >= 0 && alpha <= 1)) throw ValueError("cosine_decay: alpha must be in [0, 1], got " + std::to_string(alpha));
  if (warmup_steps < 0) throw ValueError("cosine_decay: warmup_steps must be non-negative, got " + std::to_string(warmup_steps));
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

LrFunction cosine_decay_restarts(int64_t first_decay_steps, double t_mul, double m_mul, double alpha) {
  require_positive("cosine_decay_restarts", "first_decay_steps", first_decay_steps);
  if (!(t_mul >= 1)) throw ValueError("cosine_decay_restarts: t_mul must be >= 1, got " + std::to_string(t_mul));
  if (!(m_mul > 0)) throw ValueError("cosine_decay_restarts: m_mul must be positive, got " + std::to_string(m_mul));
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

LrFunction inverse_sqrt_decay(int64_t warmup_steps, double start_factor) {
  require_positive("inverse_sqrt", "warmup_steps", warmup_steps);
  if (!(start_factor >= 0 && start_factor <= 1))
    throw ValueError("inverse_sqrt: start_factor must be in [0, 1], got " + std::to_string(start_factor));
  return [=](double base, int64_t t) {
    double w = static_cast<double>(warmup_steps), step = static_cast<double>(t);
    if (t < warmup_steps) return base * (start_factor + (1 - start_factor) * step / w);
    return base * std::sqrt(w / step);
  };
}

LrFunction natural_exp_decay(double k) {
  if (!(k >= 0)) throw ValueError("natural_exp: k must be non-negative, got " + std::to_string(k));
  return [=](double base, int64_t t) { return base * std::exp(-k * static_cast<double>(t)); };
}

LrFunction halving(int64_t every) {
  require_positive("halving", "every", every);
  return [=](double base, int64_t t) { return base * std::pow(0.5, static_cast<double>(t / every)); };
}

LrFunction warmup(int64_t steps, double start_factor, const std::string& mode) {
  require_positive("warmup", "steps", steps);
  if (mode == "linear") {
    if (!(start_factor >= 0 && start_factor <= 1))
      throw ValueError("warmup: start_factor must be in [0, 1], got " + std::to_string(start_factor));
    return [=](double base, int64_t t) {
      double done = static_cast<double>(std::min(t, steps)) / static_cast<double>(steps);
      return base * (start_factor + (1 - start_factor) * done);
    };
  }
  if (mode == "exponential") {
    if (!(start_factor > 0 && start_factor <= 1))
      throw ValueError("warmup: exponential warmup needs start_factor in (0, 1], got " + std::to_string(start_factor));
    return [=](double base, int64_t t) {
      double done = static_cast<double>(std::min(t, steps)) / static_cast<double>(steps);
      return base * std::pow(start_factor, 1 - done);
    };
  }
  throw ValueError("warmup: mode '" + mode + "' is unknown (valid: linear, exponential)");
}

}  // namespace descent
