// Muon: Jordan et al. (2024), "Muon: An optimizer for hidden layers in neural networks"
// (kellerjordan.github.io/posts/muon), as PyTorch 2.9's torch.optim.Muon
// (_single_tensor_muon, _zeropower_via_newtonschulz, _adjust_lr): SGD momentum whose update
// of each matrix is orthogonalized by five quintic Newton–Schulz iterations, a·X + (b·A +
// c·A²)·X with A = X·Xᵀ, on the BLAS gemm. A convolution weight (out, in, kH, kW) is
// flattened to an out × in·kH·kW matrix, as the reference implementation does.
//
// PyTorch's Muon refuses every parameter that is not a matrix; here they (biases, norms'
// scales) are updated by AdamW with the group's lr and the adam_* hyperparameters (optax's
// muon defaults), as optax and the reference implementation pair Muon with AdamW. A model
// with no matrix at all is refused.
#pragma once
#include <string>
#include <utility>

#include "descent/optim/elementwise.hpp"

namespace descent::optim {

struct MuonOptions {
  double lr = 1e-3;                       // learning rate, adjusted per matrix shape by adjust_lr_fn
  double weight_decay = 0.1;              // decoupled: θ ← θ(1 − lr·λ)
  double momentum = 0.95;                 // μ: B ← lerp(B, g, 1 − μ)
  bool nesterov = true;                   // orthogonalize lerp(g, B, μ) instead of B
  double ns_a = 3.4445;                   // Newton–Schulz coefficients (PyTorch's ns_coefficients)
  double ns_b = -4.7750;                  //
  double ns_c = 2.0315;                   //
  double eps = 1e-7;                      // floor of ‖X‖_F in the normalization before the iterations
  int64_t ns_steps = 5;                   // Newton–Schulz iterations
  std::string adjust_lr_fn = "original";  // original: lr·√max(1, rows/cols); match_rms_adamw: 0.2·lr·√max(rows, cols)
  std::pair<double, double> adam_betas = {0.9, 0.999};  // the AdamW group's betas; adam_betas=a/b in specs
  double adam_eps = 1e-8;                               // the AdamW group's eps
  double adam_weight_decay = 0.0;                       // the AdamW group's decoupled weight decay
};

class Muon : public Tabled<MuonOptions> {
 public:
  // Throws ValueError when no parameter is a matrix (2-D or more).
  Muon(std::vector<Tensor> params, const MuonOptions& options = {});
  Muon(std::vector<ParamGroup> groups, const MuonOptions& options = {});
  double step(const std::function<double()>& closure = {}) override;
  // "muon for 2 matrices (…), adamw for 2 other parameters (…)", for the training header.
  std::string split() const;
};

// "; <split>" when `optimizer` is Muon or wraps one (Lookahead, SAM), else "".
std::string muon_note(Optimizer& optimizer);

}  // namespace descent::optim
