// Adafactor, following torch.optim._adafactor._single_tensor_adafactor (PyTorch 2.5) line by
// line; the foreach variant computes the same.
#include "descent/optim/adafactor.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "descent/optim/rule.hpp"

namespace descent::optim {

template <>
Table<AdafactorOptions> table_of<AdafactorOptions>() {  // PyTorch 2.5's hyperparameters
  using O = AdafactorOptions;
  return {"adafactor",
          WeightDecay::none,
          {number("lr", &O::lr, at_least(0), "cap of the relative step size ρ_t = min(lr, 1/√t)"),
           number("beta2_decay", &O::beta2_decay, {.hi = 0}, "1 − β̂₂ₜ = t^beta2_decay"),
           element("eps1", &O::eps, 0, "eps", any_finite(),
                   "floor of the row average and √v̂ (negative: the dtype's machine epsilon)"),
           element("eps2", &O::eps, 1, "eps", at_least(0), "floor of the parameter's RMS in the step size"),
           number("d", &O::d, at_least(1), "clipping threshold: the update's RMS is at most d"),
           number("weight_decay", &O::weight_decay, at_least(0), "decoupled weight decay λ: θ ← θ(1 − lr·λ)")}};
}

namespace {

// torch.lerp: a + w(b − a), computed from the nearer end as PyTorch's kernel does.
template <class T>
T lerp(T from, T to, T weight) {
  return weight < T(0.5) ? from + weight * (to - from) : to - (to - from) * (T(1) - weight);
}

// A parameter seen as `batches` matrices of rows × cols (its last two dims).
struct Factored {
  int64_t batches, rows, cols;
};

Factored factored_view(const Shape& shape) {
  const int64_t rows = shape[shape.rank() - 2], cols = shape[shape.rank() - 1];
  return {shape.numel() / std::max<int64_t>(rows * cols, 1), rows, cols};
}

Shape with_dim_one(Shape shape, int dim) {
  shape[dim] = 1;
  return shape;
}

// R ← lerp(R, mean over the row of g², w) and C likewise over columns; returns the row
// factor's mean over rows per matrix, floored at ε₁ (the divisor of the estimate R·C).
template <class T>
std::vector<T> update_factors(const Factored& view, const T* g, T* row_var, T* col_var, T weight, T eps1) {
  const int64_t batches = view.batches, rows = view.rows, cols = view.cols;
  for_each_element(batches * rows, [=](int64_t r) {
    double sum_sq = 0.0;
    for (int64_t c = 0; c < cols; ++c) sum_sq += double(g[r * cols + c]) * double(g[r * cols + c]);
    const T norm = T(std::sqrt(sum_sq));
    row_var[r] = lerp(row_var[r], norm * norm / T(cols), weight);  // ‖g_row‖² / cols
  });
  for_each_element(batches * cols, [=](int64_t j) {
    const int64_t b = j / cols, c = j % cols;
    double sum_sq = 0.0;
    for (int64_t r = 0; r < rows; ++r)
      sum_sq += double(g[(b * rows + r) * cols + c]) * double(g[(b * rows + r) * cols + c]);
    const T norm = T(std::sqrt(sum_sq));
    col_var[j] = lerp(col_var[j], norm * norm / T(rows), weight);  // ‖g_col‖² / rows
  });
  std::vector<T> row_means(static_cast<std::size_t>(batches));
  for (int64_t b = 0; b < batches; ++b) {
    T sum = T(0);
    for (int64_t r = 0; r < rows; ++r) sum += row_var[b * rows + r];
    row_means[static_cast<std::size_t>(b)] = std::max(sum / T(rows), eps1);
  }
  return row_means;
}

// The buffer `key` of these dims, zeros on first use.
Tensor& factor_buffer(ParamState& state, const std::string& key, const Shape& shape, DType dtype) {
  auto it = state.buffers.find(key);
  if (it == state.buffers.end()) it = state.buffers.emplace(key, Tensor::zeros(shape, dtype)).first;
  return it->second;
}

// U = g / max(√v̂, ε₁), clipped to RMS d: θ ← θ − α_t·U / max(1, RMS(U)/d).
template <class T, class Estimate>
void clipped_step(int64_t n, T* theta, const T* g, T sign, T eps1, double alpha, double d, Estimate estimate) {
  const T floor = eps1 * eps1;  // ε₁² under the root keeps ε₁'s magnitude
  auto update = [=](int64_t i) { return T(1) / std::sqrt(std::max(estimate(i), floor)) * (sign * g[i]); };
  const double update_sq = sum_over_elements(n, [=](int64_t i) { return double(update(i)) * double(update(i)); });
  const double denom = std::max(1.0, std::sqrt(update_sq) / (std::sqrt(double(n)) * d));
  const T scale = T(-alpha / denom);
  for_each_element(n, [=](int64_t i) { theta[i] = theta[i] + scale * update(i); });
}

template <class T>
void adafactor_update(const AdafactorOptions& options, Tensor& param, const Tensor& grad, ParamState& state) {
  const double t = (state.scalars["step"] += 1.0);
  const int64_t n = param.numel();
  T* theta = param.data<T>();
  const T* g = grad.data<T>();  // maximize negates g where it enters the update; g² is the same
  const T sign = options.maximize ? T(-1) : T(1), weight = T(std::pow(t, options.beta2_decay));
  const T eps1 = options.eps.first < 0 ? std::numeric_limits<T>::epsilon() : T(options.eps.first);
  const double rho = std::min(options.lr, 1.0 / std::sqrt(t));  // ρ_t = min(lr, 1/√t)
  const double theta_sq = sum_over_elements(n, [=](int64_t i) { return double(theta[i]) * double(theta[i]); });
  const double alpha = std::max(options.eps.second, std::sqrt(theta_sq) / std::sqrt(double(n))) * rho;
  if (options.weight_decay != 0.0) {
    const T shrink = T(1.0 - options.lr * options.weight_decay);
    for_each_element(n, [=](int64_t i) { theta[i] = theta[i] * shrink; });  // θ ← θ(1 − lr·λ)
  }
  if (param.dim() < 2) {
    T* variance = zeros_buffer(state, "variance", param).template data<T>();
    for_each_element(n, [=](int64_t i) { variance[i] = lerp(variance[i], g[i] * g[i], weight); });
    clipped_step(n, theta, g, sign, eps1, alpha, options.d, [=](int64_t i) { return variance[i]; });
    return;
  }
  const int last = param.dim() - 1;
  const Factored view = factored_view(param.shape());
  T* row_var = factor_buffer(state, "row_var", with_dim_one(param.shape(), last), param.dtype()).data<T>();
  T* col_var = factor_buffer(state, "col_var", with_dim_one(param.shape(), last - 1), param.dtype()).data<T>();
  const std::vector<T> row_means = update_factors(view, g, row_var, col_var, weight, eps1);
  const T* means = row_means.data();
  const int64_t cols = view.cols, matrix_size = view.rows * view.cols;
  clipped_step(n, theta, g, sign, eps1, alpha, options.d, [=](int64_t i) {
    const int64_t matrix = i / matrix_size;
    return row_var[i / cols] * col_var[matrix * cols + i % cols] / means[matrix];  // v̂ = R·C / mean(R)
  });
}

}  // namespace

double Adafactor::step(const std::function<double()>& closure) {
  const double loss = evaluate(closure);
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState& state) {
    const AdafactorOptions options = settings(group);
    dispatch(param.dtype(), [&]<class T>() { adafactor_update<T>(options, param, grad, state); });
  });
  return loss;
}

void Adafactor::check_buffer(const Tensor& param, const std::string& key, const Tensor& buffer) const {
  if (key != "row_var" && key != "col_var") return Optimizer::check_buffer(param, key, buffer);
  const int dims = param.dim();
  const Shape expected = dims < 2 ? Shape{} : with_dim_one(param.shape(), key == "row_var" ? dims - 1 : dims - 2);
  if (dims < 2 || !(buffer.shape() == expected) || buffer.dtype() != param.dtype())
    throw ValueError("adafactor.load_state_dict: buffer '" + key + "' has shape " + buffer.shape().str() + " (" +
                     std::string(dtype_name(buffer.dtype())) + "), expected " + expected.str() + " (" +
                     std::string(dtype_name(param.dtype())) + ") for a parameter of shape " + param.shape().str());
}

template class Tabled<AdafactorOptions>;

}  // namespace descent::optim
