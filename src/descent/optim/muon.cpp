// Muon, following torch/optim/_muon.py (PyTorch 2.9) line by line, with the Newton–Schulz
// iteration in the parameter's dtype (PyTorch casts to bfloat16 for it); the parameters
// that are not matrices follow torch.optim.AdamW (_single_tensor_adamw).
#include "descent/optim/muon.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "descent/kernels/gemm.hpp"
#include "descent/optim/lookahead.hpp"
#include "descent/optim/rule.hpp"
#include "descent/optim/sam.hpp"

namespace descent::optim {

template <>
Table<MuonOptions> table_of<MuonOptions>() {  // torch.optim.Muon's arguments (PyTorch 2.9), then the AdamW group's
  using O = MuonOptions;
  return {"muon",
          WeightDecay::none,
          {number("lr", &O::lr, at_least(0), "learning rate, adjusted per matrix shape by adjust_lr_fn"),
           number("weight_decay", &O::weight_decay, at_least(0), "decoupled weight decay λ of the matrices"),
           number("momentum", &O::momentum, at_least(0), "μ: B ← lerp(B, g, 1 − μ)"),
           flag("nesterov", &O::nesterov, "orthogonalize lerp(g, B, μ) instead of B"),
           number("ns_a", &O::ns_a, any_finite(), "Newton–Schulz coefficient of X"),
           number("ns_b", &O::ns_b, any_finite(), "Newton–Schulz coefficient of A·X, A = X·Xᵀ"),
           number("ns_c", &O::ns_c, any_finite(), "Newton–Schulz coefficient of A²·X"),
           number("eps", &O::eps, at_least(0), "floor of ‖X‖_F before the iterations"),
           integer("ns_steps", &O::ns_steps, closed(0, 99), "Newton–Schulz iterations"),
           choice("adjust_lr_fn", &O::adjust_lr_fn, {"original", "match_rms_adamw"},
                  "original: lr·√max(1, rows/cols); match_rms_adamw: 0.2·lr·√max(rows, cols)"),
           element("adam_beta1", &O::adam_betas, 0, "adam_betas", in(0, 1), "beta1 of the AdamW group (not matrices)"),
           element("adam_beta2", &O::adam_betas, 1, "adam_betas", in(0, 1), "beta2 of the AdamW group"),
           number("adam_eps", &O::adam_eps, at_least(0), "eps of the AdamW group"),
           number("adam_weight_decay", &O::adam_weight_decay, at_least(0),
                  "decoupled weight decay of the AdamW group")}};
}

namespace {

// torch.lerp's kernel: from the nearer end.
template <class T>
T lerp(T from, T to, T weight) {
  return std::abs(weight) < T(0.5) ? from + weight * (to - from) : to - (to - from) * (T(1) - weight);
}

// _zeropower_via_newtonschulz: X = G/max(‖G‖_F, ε), transposed when G is taller than wide,
// then ns_steps times A = X·Xᵀ, B = b·A + c·A·A, X ← a·X + B·X; `out` is X in G's shape.
template <class T>
void orthogonalize(const MuonOptions& options, const T* g, int64_t rows, int64_t cols, T* out) {
  const bool tall = rows > cols;
  const int64_t r = tall ? cols : rows, k = tall ? rows : cols;  // X is r × k, r ≤ k
  const double norm = std::sqrt(sum_over_elements(rows * cols, [=](int64_t i) { return double(g[i]) * double(g[i]); }));
  const T denom = std::max(T(norm), T(options.eps));
  std::vector<T> x(static_cast<std::size_t>(r * k)), next(x.size()), gram(static_cast<std::size_t>(r * r)),
      poly(gram.size());
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j)
      x[static_cast<std::size_t>(tall ? j * k + i : i * k + j)] = g[i * cols + j] / denom;
  const T a = T(options.ns_a), b = T(options.ns_b), c = T(options.ns_c);
  for (int64_t step = 0; step < options.ns_steps; ++step) {
    kernels::gemm<T>(false, true, r, r, k, T(1), x.data(), k, x.data(), k, T(0), gram.data(), r);  // A = X·Xᵀ
    for (std::size_t i = 0; i < gram.size(); ++i) poly[i] = b * gram[i];
    kernels::gemm<T>(false, false, r, r, r, c, gram.data(), r, gram.data(), r, T(1), poly.data(), r);  // B = bA + cA²
    for (std::size_t i = 0; i < x.size(); ++i) next[i] = a * x[i];
    kernels::gemm<T>(false, false, r, k, r, T(1), poly.data(), r, x.data(), k, T(1), next.data(), k);  // aX + B·X
    std::swap(x, next);
  }
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) out[i * cols + j] = x[static_cast<std::size_t>(tall ? j * k + i : i * k + j)];
}

// _adjust_lr: the update's RMS made consistent across shapes.
double adjusted_lr(const MuonOptions& options, int64_t rows, int64_t cols) {
  if (options.adjust_lr_fn == "match_rms_adamw") return options.lr * (0.2 * std::sqrt(double(std::max(rows, cols))));
  return options.lr * std::sqrt(std::max(1.0, double(rows) / double(cols)));
}

// One matrix (a convolution weight flattened to out × in·kH·kW): _single_tensor_muon.
template <class T>
void muon_update(const MuonOptions& options, Tensor& param, const Tensor& grad, ParamState& state) {
  const int64_t n = param.numel(), rows = param.shape()[0], cols = n / std::max<int64_t>(rows, 1);
  T* theta = param.data<T>();
  const T* g = grad.data<T>();
  T* buffer = zeros_buffer(state, "momentum_buffer", param).template data<T>();
  std::vector<T> update(static_cast<std::size_t>(n)), ortho(update.size());
  T* u = update.data();
  const T weight = T(1.0 - options.momentum), momentum = T(options.momentum);
  const bool nesterov = options.nesterov;
  for_each_element(n, [=](int64_t i) {
    buffer[i] = lerp(buffer[i], g[i], weight);                      // B ← lerp(B, g, 1 − μ)
    u[i] = nesterov ? lerp(g[i], buffer[i], momentum) : buffer[i];  // nesterov: lerp(g, B, μ)
  });
  orthogonalize(options, u, rows, cols, ortho.data());
  const T* o = ortho.data();
  const T shrink = T(1.0 - options.lr * options.weight_decay), step = T(-adjusted_lr(options, rows, cols));
  for_each_element(n, [=](int64_t i) {
    theta[i] = theta[i] * shrink;       // θ ← θ(1 − lr·λ)
    theta[i] = theta[i] + step * o[i];  // θ ← θ − lr′·O
  });
}

// Every other parameter: torch.optim.AdamW with the group's lr and the adam_* options.
template <class T>
void adamw_update(const MuonOptions& options, Tensor& param, const Tensor& grad, ParamState& state) {
  const auto [beta1, beta2] = options.adam_betas;
  const double t = (state.scalars["step"] += 1.0);
  T* theta = param.data<T>();
  const T* g = grad.data<T>();
  T* m = zeros_buffer(state, "exp_avg", param).template data<T>();
  T* v = zeros_buffer(state, "exp_avg_sq", param).template data<T>();
  const T shrink = T(1.0 - options.lr * options.adam_weight_decay), b1 = T(beta1), b2 = T(beta2),
          one_minus_b1 = T(1.0 - beta1), one_minus_b2 = T(1.0 - beta2), eps = T(options.adam_eps),
          step_size = T(options.lr / (1.0 - std::pow(beta1, t))), root_bc2 = T(std::sqrt(1.0 - std::pow(beta2, t)));
  for_each_element(param.numel(), [=](int64_t i) {
    theta[i] = theta[i] * shrink;
    m[i] = m[i] * b1 + one_minus_b1 * g[i];
    v[i] = v[i] * b2 + one_minus_b2 * g[i] * g[i];
    theta[i] = theta[i] + (-step_size) * (m[i] / (std::sqrt(v[i]) / root_bc2 + eps));
  });
}

bool is_matrix(const Tensor& param) { return param.dim() >= 2; }

}  // namespace

Muon::Muon(std::vector<Tensor> params, const MuonOptions& options) : Muon(one_group(std::move(params)), options) {}

Muon::Muon(std::vector<ParamGroup> groups, const MuonOptions& options) : Tabled(std::move(groups), options) {
  for (const ParamGroup& group : groups_)
    if (std::any_of(group.params.begin(), group.params.end(), is_matrix)) return;
  throw ValueError(
      "muon: the model has no matrix (a 2-D weight or a convolution filter bank) to orthogonalize; use adamw for it");
}

double Muon::step(const std::function<double()>& closure) {
  const double loss = evaluate(closure);
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) {
    const MuonOptions options = settings(group);
    dispatch(param.dtype(), [&]<class T>() {
      if (is_matrix(param))
        muon_update<T>(options, param, grad, state);
      else
        adamw_update<T>(options, param, grad, state);
    });
  });
  return loss;
}

std::string Muon::split() const {
  int64_t matrices = 0, matrix_values = 0, others = 0, other_values = 0;
  for (const ParamGroup& group : groups_)
    for (const Tensor& param : group.params) {
      (is_matrix(param) ? matrices : others) += 1;
      (is_matrix(param) ? matrix_values : other_values) += param.numel();
    }
  return "muon for " + std::to_string(matrices) + " matrices (" + std::to_string(matrix_values) +
         " values), adamw for " + std::to_string(others) + " other parameters (biases, norms; " +
         std::to_string(other_values) + " values)";
}

std::string muon_note(Optimizer& optimizer) {
  if (auto* muon = dynamic_cast<Muon*>(&optimizer)) return "; " + muon->split();
  if (auto* lookahead = dynamic_cast<Lookahead*>(&optimizer)) return muon_note(lookahead->inner());
  if (auto* sam = dynamic_cast<Sam*>(&optimizer)) return muon_note(sam->inner());
  return "";
}

template class Tabled<MuonOptions>;

}  // namespace descent::optim
