// Adafactor, following torch.optim._adafactor._single_tensor_adafactor (PyTorch 2.5) line by
// line; the foreach variant computes the same.
#include "descent/optim/adafactor.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

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

// body(first, last) over contiguous runs of [0, count) (rows or columns of `elements` in
// all), one run per thread from kParallelThreshold elements up.
template <class F>
void in_runs(int64_t count, int64_t elements, const F& body) {
  if (elements < kParallelThreshold) {
    body(int64_t{0}, count);
  } else {
#pragma omp parallel
    {
      const int64_t thread = omp_get_thread_num(), threads = omp_get_num_threads();
      body(count * thread / threads, count * (thread + 1) / threads);
    }
  }
}

// Rows of one matrix are taken kRowBlock at a time, whatever the thread count: the column
// sums of a block are added in block order, so they have the same bits at every thread count.
inline constexpr int64_t kRowBlock = 64;

// The sums of one read of θ and g: Σθ², and Σg² along every row and down every column.
struct SquareSums {
  double theta_sq = 0.0;
  std::vector<double> rows, cols;  // Σ_c g²[r, c] by row r; Σ_r g²[b, r, c] by column b·cols + c
};

// One pass over θ and g: each row's Σθ² and Σg² (in kernels/lane_sums.hpp's order), its g²
// also added to its block's column sums.
template <class T>
SquareSums square_sums(const Factored& view, const T* theta, const T* g) {
  const int64_t rows = view.rows, cols = view.cols, all_rows = view.batches * rows;
  const int64_t blocks_per_matrix = (rows + kRowBlock - 1) / kRowBlock, blocks = view.batches * blocks_per_matrix;
  std::vector<double> theta_sq(static_cast<std::size_t>(all_rows)), row_sq(static_cast<std::size_t>(all_rows)),
      block_cols(static_cast<std::size_t>(blocks * cols), 0.0);
  double *theta_sq_ = theta_sq.data(), *row_sq_ = row_sq.data(), *block_cols_ = block_cols.data();
  in_runs(blocks, all_rows * cols, [=](int64_t first, int64_t last) {
    for (int64_t k = first; k < last; ++k) {
      const int64_t matrix_row = k / blocks_per_matrix * rows, begin = matrix_row + k % blocks_per_matrix * kRowBlock;
      double* col = block_cols_ + k * cols;
      for (int64_t r = begin; r < std::min(matrix_row + rows, begin + kRowBlock); ++r) {
        const T* t = theta + r * cols;
        const T* gr = g + r * cols;
        const auto [t_sq, g_sq] = sums_in_range(
            0, cols, [=](int64_t c) { return double(t[c]) * double(t[c]); },
            [=](int64_t c) {
              const double sq = double(gr[c]) * double(gr[c]);
              col[c] += sq;
              return sq;
            });
        theta_sq_[r] = t_sq;
        row_sq_[r] = g_sq;
      }
    }
  });
  SquareSums sums{.theta_sq = 0.0, .rows = std::move(row_sq), .cols = std::vector<double>(view.batches * cols, 0.0)};
  for (double row : theta_sq) sums.theta_sq += row;
  for (int64_t k = 0; k < blocks; ++k) {
    double* to = sums.cols.data() + k / blocks_per_matrix * cols;
    const double* from = block_cols_ + k * cols;
    kernels::simd_for(0, cols, [=](int64_t c) { to[c] += from[c]; });
  }
  return sums;
}

// R ← lerp(R, mean over the row of g², w) and C likewise over columns, from one pass over θ
// and g that also returns Σθ².
template <class T>
double update_factors(const Factored& view, const T* theta, const T* g, T* row_var, T* col_var, T weight) {
  const SquareSums sums = square_sums(view, theta, g);
  for (int64_t r = 0; r < view.batches * view.rows; ++r) {
    const T norm = T(std::sqrt(sums.rows[static_cast<std::size_t>(r)]));
    row_var[r] = lerp(row_var[r], norm * norm / T(view.cols), weight);  // ‖g_row‖² / cols
  }
  for (int64_t j = 0; j < view.batches * view.cols; ++j) {
    const T norm = T(std::sqrt(sums.cols[static_cast<std::size_t>(j)]));
    col_var[j] = lerp(col_var[j], norm * norm / T(view.rows), weight);  // ‖g_col‖² / rows
  }
  return sums.theta_sq;
}

// The row factor's mean over rows per matrix, floored at ε₁ (the divisor of the estimate R·C).
template <class T>
std::vector<T> row_means(const Factored& view, const T* row_var, T eps1) {
  std::vector<T> means(static_cast<std::size_t>(view.batches));
  for (int64_t b = 0; b < view.batches; ++b) {
    T sum = T(0);
    for (int64_t r = 0; r < view.rows; ++r) sum += row_var[b * view.rows + r];
    means[static_cast<std::size_t>(b)] = std::max(sum / T(view.rows), eps1);
  }
  return means;
}

// The buffer `key` of these dims, zeros on first use.
Tensor& factor_buffer(ParamState& state, const std::string& key, const Shape& shape, DType dtype) {
  auto it = state.buffers.find(key);
  if (it == state.buffers.end()) it = state.buffers.emplace(key, Tensor::zeros(shape, dtype)).first;
  return it->second;
}

// One step's update of a parameter: U = g / max(√v̂, ε₁) (ε₁² under the root keeps ε₁'s
// magnitude), clipped to RMS d: θ ← θ(1 − lr·λ) − α_t·U / max(1, RMS(U)/d), where
// α_t = max(ε₂, RMS(θ))·ρ_t.
template <class T>
struct Update {
  const AdafactorOptions& options;
  double rho;
  T sign, floor, shrink;

  T u(T v_hat, T g) const { return T(1) / std::sqrt(std::max(v_hat, floor)) * (sign * g); }
  // −α_t / max(1, RMS(U)/d), from Σθ² and ΣU² over the n elements.
  T scale(double theta_sq, double u_sq, int64_t n) const {
    const double alpha = std::max(options.eps.second, std::sqrt(theta_sq) / std::sqrt(double(n))) * rho;
    return T(-alpha / std::max(1.0, std::sqrt(u_sq) / (std::sqrt(double(n)) * options.d)));
  }
};

// A matrix's estimate v̂ = R_i·C_j / mean(R) is a row's factor times a column's. Where the
// floor ε₁² cannot bite anywhere along a row (R_i/mean(R) · min_j C_j ≥ ε₁²), that row's
// 1/√v̂ is a_i·b_j, with a_i = 1/√(R_i/mean(R)) and b_j = 1/√C_j, and U² = g²·a_i²·b_j²: a
// root and a division per row and per column, products per element. They round differently
// from PyTorch's rsqrt(v̂)·g (within a few ulps), the same at every thread count and level.
// Other rows (under a zero column, or a row factor near 0) take v̂ = C_j·(R_i/mean(R))
// element by element, floored, as PyTorch.
template <class T>
struct Separable {
  std::vector<T> relative, row_rsqrt, col_rsqrt;  // R_i/mean(R) (v̂ = C_j·relative_i), a_i, b_j
  std::vector<double> row_inv, col_inv;           // a_i², b_j²
  std::vector<char> whole_row;                    // whether v̂ ≥ ε₁² along the whole row

  Separable(const Factored& view, const T* row_var, const T* col_var, T eps1, T floor)
      : relative(static_cast<std::size_t>(view.batches * view.rows)),
        row_rsqrt(relative.size()),
        col_rsqrt(static_cast<std::size_t>(view.batches * view.cols)),
        row_inv(relative.size()),
        col_inv(col_rsqrt.size()),
        whole_row(relative.size()) {
    const std::vector<T> means = row_means(view, row_var, eps1);
    for (int64_t b = 0; b < view.batches; ++b) {
      const T* col = col_var + b * view.cols;
      const double min_col = *std::min_element(col, col + view.cols);
      for (int64_t j = b * view.cols; j < (b + 1) * view.cols; ++j) set_column(j, col_var[j]);
      for (int64_t r = b * view.rows; r < (b + 1) * view.rows; ++r) {
        const auto i = static_cast<std::size_t>(r);
        relative[i] = row_var[r] / means[static_cast<std::size_t>(b)];
        row_inv[i] = 1.0 / double(relative[i]);
        row_rsqrt[i] = T(std::sqrt(row_inv[i]));
        const double least = double(relative[i]) * min_col;  // the least v̂ along the row
        whole_row[i] = least > 0.0 && least >= double(floor);
      }
    }
  }
  void set_column(int64_t j, T c) {
    const auto i = static_cast<std::size_t>(j);
    col_inv[i] = 1.0 / double(c);
    col_rsqrt[i] = T(std::sqrt(col_inv[i]));
  }
};

// ΣU² over a matrix parameter, summed by row in row order.
template <class T>
double sum_u_squared(const Factored& view, const T* g, const T* col_var, const Separable<T>& factors, T floor) {
  const int64_t all_rows = view.batches * view.rows, rows = view.rows, cols = view.cols;
  std::vector<double> u_sq_(static_cast<std::size_t>(all_rows));
  double* u_sq = u_sq_.data();
  const Separable<T>* f = &factors;
  in_runs(all_rows, all_rows * cols, [=](int64_t first, int64_t last) {
    for (int64_t r = first; r < last; ++r) {
      const auto i = static_cast<std::size_t>(r);
      const T* gr = g + r * cols;
      if (f->whole_row[i]) {
        const double* b_sq = f->col_inv.data() + r / rows * cols;
        u_sq[r] = f->row_inv[i] * sums_in_range(0, cols, [=](int64_t c) {
                    return double(gr[c]) * double(gr[c]) * b_sq[c];  // (g·b_j)², times a_i² after
                  })[0];
      } else {
        const T* col = col_var + r / rows * cols;
        const T relative = f->relative[i];
        u_sq[r] = sums_in_range(0, cols, [=](int64_t c) {
          return double(gr[c]) / double(std::max(col[c] * relative, floor)) * double(gr[c]);  // U² = g² / v̂
        })[0];
      }
    }
  });
  double sum = 0.0;
  for (double row : u_sq_) sum += row;
  return sum;
}

// A matrix parameter's step, given Σθ² and the factors: ΣU² in one pass, the update
// θ ← θ(1 − lr·λ) + scale·U in another.
template <class T>
void factored_step(const Factored& view, T* theta, const T* g, const T* row_var, const T* col_var, T eps1,
                   double theta_sq, const Update<T>& update) {
  const int64_t all_rows = view.batches * view.rows, rows = view.rows, cols = view.cols, n = all_rows * cols;
  const Separable<T> factors(view, row_var, col_var, eps1, update.floor);
  const T scale = update.scale(theta_sq, sum_u_squared(view, g, col_var, factors, update.floor), n);
  const T shrink = update.shrink, sign = update.sign, floor = update.floor;
  const Separable<T>* f = &factors;
  in_runs(all_rows, n, [=](int64_t first, int64_t last) {
    for (int64_t r = first; r < last; ++r) {
      const auto i = static_cast<std::size_t>(r);
      T* t = theta + r * cols;
      const T* gr = g + r * cols;
      if (f->whole_row[i]) {
        const T a = f->row_rsqrt[i];
        const T* b = f->col_rsqrt.data() + r / rows * cols;
        kernels::simd_for(0, cols, [=](int64_t c) {
          t[c] = t[c] * shrink;  // θ ← θ(1 − lr·λ), then θ ← θ − α_t·U / max(1, RMS(U)/d)
          t[c] = t[c] + scale * ((sign * gr[c]) * (a * b[c]));  // U = g·a_i·b_j
        });
      } else {
        const T* col = col_var + r / rows * cols;
        const T relative = f->relative[i];
        kernels::simd_for(0, cols, [=](int64_t c) {
          t[c] = t[c] * shrink;
          t[c] = t[c] + scale * ((sign * gr[c]) / std::sqrt(std::max(col[c] * relative, floor)));
        });
      }
    }
  });
}

// A vector parameter's step with its full second moment v: Σθ², v ← lerp(v, g², w) and
// ΣU² in one pass, the update in another.
template <class T>
void vector_step(int64_t n, T* theta, const T* g, T* variance, T weight, const Update<T>& update) {
  const auto [theta_sq, u_sq] = sums_over_elements(
      n, [=](int64_t i) { return double(theta[i]) * double(theta[i]); },
      [=](int64_t i) {
        variance[i] = lerp(variance[i], g[i] * g[i], weight);
        const T u = update.u(variance[i], g[i]);
        return double(u) * double(u);
      });
  const T scale = update.scale(theta_sq, u_sq, n), shrink = update.shrink;
  for_each_element(n, [=](int64_t i) {
    theta[i] = theta[i] * shrink;
    theta[i] = theta[i] + scale * update.u(variance[i], g[i]);
  });
}

template <class T>
void adafactor_update(const AdafactorOptions& options, Tensor& param, const Tensor& grad, ParamState& state) {
  const double t = (state.scalars["step"] += 1.0);
  T* theta = param.data<T>();
  const T* g = grad.data<T>();  // maximize negates g where it enters the update; g² is the same
  const T weight = T(std::pow(t, options.beta2_decay));
  const T eps1 = options.eps.first < 0 ? std::numeric_limits<T>::epsilon() : T(options.eps.first);
  // ρ_t = min(lr, 1/√t); the shrink is 1 without weight decay, which leaves θ's bits as they are.
  const Update<T> update{.options = options,
                         .rho = std::min(options.lr, 1.0 / std::sqrt(t)),
                         .sign = options.maximize ? T(-1) : T(1),
                         .floor = eps1 * eps1,
                         .shrink = T(1.0 - options.lr * options.weight_decay)};
  if (param.dim() < 2) {
    T* variance = zeros_buffer(state, "variance", param).template data<T>();
    return vector_step(param.numel(), theta, g, variance, weight, update);
  }
  const int last = param.dim() - 1;
  const Factored view = factored_view(param.shape());
  T* row_var = factor_buffer(state, "row_var", with_dim_one(param.shape(), last), param.dtype()).data<T>();
  T* col_var = factor_buffer(state, "col_var", with_dim_one(param.shape(), last - 1), param.dtype()).data<T>();
  const double theta_sq = update_factors(view, theta, g, row_var, col_var, weight);
  factored_step(view, theta, g, row_var, col_var, eps1, theta_sq, update);
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
