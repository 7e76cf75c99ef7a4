// Prodigy: Mishchenko & Defazio (2023), "Prodigy: An Expeditiously Adaptive Parameter-Free
// Learner" (Algorithm 4, the Adam version), as the reference implementation
// (github.com/konstmish/prodigy, prodigyopt.Prodigy.step) computes it: Adam whose step size
// d·lr grows with an estimate of the distance to the solution,
//   d̂ = d_coef · Σ_k β₃^{t−k} (d_k/d₀)·d_k·lr·⟨g_k, θ₀ − θ_k⟩ / ‖s‖₁,  d ← max(d, d̂),
// with s ← β₃s + (d/d₀)·d·lr·g. The estimate needs a sum over every parameter before any
// update, so a step is two passes: s and the sums (reading θ, g, θ₀ and s), then the
// moments and the update (θ, g, m and v, as Adam's step), 48 bytes a float32 parameter.
//
// d, its maximum, the weighted numerator and the step count are optimizer-wide (saved in
// state_dict's globals); betas, beta3, d0, d_coef, the bias correction and decouple are
// read from the first group, as the reference does. Groups may have lr 0 (frozen) or the
// largest lr of all groups, nothing else. The growth rate is unrestricted (the reference's
// default growth_rate = ∞).
#pragma once
#include <optional>
#include <utility>

#include "descent/optim/elementwise.hpp"

namespace descent::optim {

struct ProdigyOptions {
  double lr = 1.0;                                 // multiplies the estimated step size d
  std::pair<double, double> betas = {0.9, 0.999};  // Adam's beta1, beta2; betas=a/b in specs
  double beta3 = -1.0;                             // decay of the d estimate's sums (negative: √beta2)
  double eps = 1e-8;                               // added to √v, scaled by d: √v + d·ε
  double weight_decay = 0.0;                       // λ, decoupled (θ ← θ − d·lr·λθ) or an L2 penalty
  bool decouple = true;                            // AdamW-style weight decay, else L2 in the gradient
  bool use_bias_correction = false;                // Adam's bias correction in the step size
  bool safeguard_warmup = false;                   // s accumulates d·g instead of d·lr·g
  double d0 = 1e-6;                                // initial estimate of d
  double d_coef = 1.0;                             // multiplies the estimate d̂
};

class Prodigy : public Tabled<ProdigyOptions> {
 public:
  using Tabled::Tabled;
  double step(const std::function<double()>& closure = {}) override;

 private:
  // The first pass: s of every parameter, returning ⟨g, θ₀ − θ⟩ weighted and summed (the
  // numerator's new term) and Σ|s| (the denominator).
  std::pair<double, double> accumulate(const ProdigyOptions& first, double d, double dlr);
  // The second pass: the moments of every parameter take g, with d the step started from;
  // then, given the new estimate d_new, θ steps (without, the moments alone).
  void update(const ProdigyOptions& first, double d, double dlr, std::optional<double> d_new);
};

}  // namespace descent::optim
