// Adafactor: Shazeer & Stern (2018), "Adafactor: Adaptive Learning Rates with Sublinear
// Memory Cost", as torch.optim.Adafactor (PyTorch 2.5, _single_tensor_adafactor): the second
// moment of a parameter with two or more dims is factored over its last two (a row and a
// column average, so a 4-D convolution weight keeps one pair per filter position of its
// first two dims), a vector keeps the full average; the step is relative to the parameter's
// RMS, ρ_t = min(lr, 1/√t), and the update is clipped to RMS d. No first moment.
#pragma once
#include <utility>

#include "descent/optim/elementwise.hpp"

namespace descent::optim {

struct AdafactorOptions {
  double lr = 1e-2;           // the cap of the relative step size ρ_t = min(lr, 1/√t); decay uses lr·λ
  double beta2_decay = -0.8;  // 1 − β̂₂ₜ = t^beta2_decay
  // (ε₁, ε₂): ε₁ floors the row average and √v̂ (negative: the dtype's machine epsilon,
  // PyTorch's None); ε₂ floors the parameter's RMS in the step size. eps=a/b in specs.
  std::pair<double, double> eps = {-1.0, 1e-3};
  double d = 1.0;             // clipping threshold: the update is scaled to RMS at most d
  double weight_decay = 0.0;  // decoupled weight decay λ: θ ← θ(1 − lr·λ)
  bool maximize = false;      // maximize the objective
};

class Adafactor : public Tabled<AdafactorOptions> {
 public:
  using Tabled::Tabled;
  double step(const std::function<double()>& closure = {}) override;

 protected:
  // The factors "row_var" (the parameter's shape with its last dim 1) and "col_var" (its
  // second-to-last dim 1) are not shaped like the parameter.
  void check_buffer(const Tensor& param, const std::string& key, const Tensor& buffer) const override;
};

}  // namespace descent::optim
