// L-BFGS, a line-by-line port of torch/optim/lbfgs.py (PyTorch 1.13): LBFGS.step,
// _strong_wolfe and _cubic_interpolate. Flat vectors have the parameters' dtype, as there.
// The history lives in the first parameter's state (buffers "d", "prev_flat_grad",
// "old_dirs.i", "old_stps.i"; scalars "t", "H_diag", "prev_loss", "ro.i", "history",
// "n_iter", "func_evals"), so state_dict saves it.
#include "descent/optim/lbfgs.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "descent/tensor/grad_mode.hpp"
#include "descent/optim/validate.hpp"

namespace descent::optim {

namespace {

// A flat vector of the parameters' dtype.
template <class T>
using Vec = std::vector<T>;

template <class T>
T dot(const Vec<T>& a, const Vec<T>& b) {
  T s = T(0);
  for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}
template <class T>
T abs_max(const Vec<T>& a) {
  T m = T(0);
  for (T x : a) m = std::max(m, std::abs(x));
  return m;
}
template <class T>
T abs_sum(const Vec<T>& a) {
  T s = T(0);
  for (T x : a) s += std::abs(x);
  return s;
}

// Minimizer of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to the bounds.
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2, double lo, double hi) {
  double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  double d2_square = d1 * d1 - g1 * g2;
  if (d2_square >= 0) {
    double d2 = std::sqrt(d2_square);
    double min_pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                              : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return std::min(std::max(min_pos, lo), hi);
  }
  return (lo + hi) / 2.;
}
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2) {
  return cubic_interpolate(x1, f1, g1, x2, f2, g2, std::min(x1, x2), std::max(x1, x2));
}

template <class T>
Vec<T> to_vec(const Tensor& t) {
  const T* p = t.data<T>();
  return Vec<T>(p, p + t.numel());
}
template <class T>
Tensor to_tensor(const Vec<T>& v) {
  Tensor t = Tensor::empty(Shape{static_cast<int64_t>(v.size())}, dtype_of<T>);
  std::copy(v.begin(), v.end(), t.data<T>());
  return t;
}

}  // namespace

std::vector<Hyperparameter> LBFGS::hyperparameters() {
  return {{"lr", 1.0, "step length (the line search's first trial)"},
          {"max_iter", 20.0, "iterations per step()"},
          {"max_eval", 0.0, "function evaluations per step() (0: max_iter·5/4, PyTorch's None)"},
          {"tolerance_grad", 1e-7, "stop when max|g| ≤ this"},
          {"tolerance_change", 1e-9, "stop when the loss or the step changes less than this"},
          {"history_size", 100.0, "(s, y) pairs kept"},
          {"line_search_fn", 0.0, "strong_wolfe (1) or none (0)"}};
}

LBFGS::LBFGS(std::vector<ParamGroup> groups, const Options& options)
    : Optimizer(with_defaults("lbfgs", hyperparameters(), options)) {
  validate(defaults_);
  add_groups(std::move(groups));
}

void LBFGS::add_param_group(ParamGroup group) {
  if (!groups_.empty())
    throw ValueError("lbfgs: doesn't support per-parameter options (parameter groups); give one group");
  for (const Tensor& p : group.params)
    if (p.defined() && !group.params.empty() && p.dtype() != group.params[0].dtype())
      throw ValueError("lbfgs: all parameters must share one dtype");
  Optimizer::add_param_group(std::move(group));
}

void LBFGS::validate(const Options& o) const {
  require_at_least(name(), o, "lr", 0.0);
  require_at_least(name(), o, "max_iter", 1.0);
  require_at_least(name(), o, "max_eval", 0.0);
  require_at_least(name(), o, "tolerance_grad", 0.0);
  require_at_least(name(), o, "tolerance_change", 0.0);
  require_at_least(name(), o, "history_size", 1.0);
  require_flag(name(), o, "line_search_fn");
}

void LBFGS::check_buffer(const Tensor& param, const std::string& key, const Tensor& buffer) const {
  if (!(buffer.shape() == Shape{numel()}) || buffer.dtype() != param.dtype())
    throw ValueError("lbfgs.load_state_dict: buffer '" + key + "' has shape " + buffer.shape().str() + " (" +
                     std::string(dtype_name(buffer.dtype())) + "), expected [" + std::to_string(numel()) + "] (" +
                     std::string(dtype_name(param.dtype())) + ")");
}

void LBFGS::load_state_dict(const OptimizerState& state) {
  for (const auto& [index, param_state] : state.state) {
    if (!param_state.buffers.count("d")) continue;
    auto missing = [&](const std::string& what) {
      return ValueError("lbfgs.load_state_dict: the saved history lacks " + what);
    };
    for (const char* key : {"t", "H_diag", "prev_loss", "history"})
      if (!param_state.scalars.count(key)) throw missing(std::string("the scalar '") + key + "'");
    if (!param_state.buffers.count("prev_flat_grad")) throw missing("the buffer 'prev_flat_grad'");
    const double n = param_state.scalars.at("history");
    for (int64_t i = 0; i < static_cast<int64_t>(n); ++i) {
      const std::string k = std::to_string(i);
      if (!param_state.buffers.count("old_dirs." + k) || !param_state.buffers.count("old_stps." + k) ||
          !param_state.scalars.count("ro." + k))
        throw missing("the pair " + k + " of " + std::to_string(static_cast<int64_t>(n)));
    }
  }
  Optimizer::load_state_dict(state);
}

int64_t LBFGS::numel() const {
  int64_t n = 0;
  for (const Tensor& p : groups_[0].params) n += p.numel();
  return n;
}

double LBFGS::step(const std::function<double()>& closure) {
  if (!closure) throw ValueError("lbfgs: step() needs a closure that recomputes the loss and its gradients");
  return dispatch(groups_[0].params[0].dtype(), [&]<class T>() { return run<T>(closure); });
}

template <class T>
double LBFGS::run(const std::function<double()>& closure) {
  NoGradGuard no_grad;
  auto evaluate_loss = [&] {
    set_grad_enabled(true);
    double loss = closure();
    set_grad_enabled(false);
    return loss;
  };
  std::vector<Tensor>& params = groups_[0].params;
  const ParamGroup& group = groups_[0];
  const double lr = group.lr(), tolerance_grad = group.get("tolerance_grad"),
               tolerance_change = group.get("tolerance_change");
  const int64_t max_iter = static_cast<int64_t>(group.get("max_iter"));
  const int64_t max_eval =
      group.get("max_eval") > 0 ? static_cast<int64_t>(group.get("max_eval")) : max_iter * 5 / 4;
  const std::size_t history_size = static_cast<std::size_t>(group.get("history_size"));
  const bool strong_wolfe = group.flag("line_search_fn");

  auto gather_flat_grad = [&] {
    Vec<T> flat;
    flat.reserve(numel());
    for (const Tensor& p : params) {
      Tensor g = gradient(p);
      if (!g.defined()) {
        flat.insert(flat.end(), p.numel(), T(0));
      } else {
        const T* pg = g.data<T>();
        flat.insert(flat.end(), pg, pg + p.numel());
      }
    }
    return flat;
  };
  auto add_grad = [&](double step_size, const Vec<T>& update) {  // θ ← θ + step_size·update
    std::size_t offset = 0;
    const T a = T(step_size);
    for (Tensor& p : params) {
      T* x = p.data<T>();
      for (int64_t i = 0; i < p.numel(); ++i) x[i] = x[i] + a * update[offset + i];
      offset += p.numel();
    }
  };
  auto clone_params = [&] {
    Vec<T> flat;
    for (const Tensor& p : params) {
      const T* x = p.data<T>();
      flat.insert(flat.end(), x, x + p.numel());
    }
    return flat;
  };
  auto set_params = [&](const Vec<T>& flat) {
    std::size_t offset = 0;
    for (Tensor& p : params) {
      std::copy(flat.begin() + offset, flat.begin() + offset + p.numel(), p.data<T>());
      offset += p.numel();
    }
  };
  // Loss and flat gradient at x + t·d; the parameters are restored to x after.
  auto directional_evaluate = [&](const Vec<T>& x, double t, const Vec<T>& d) {
    add_grad(t, d);
    double loss = evaluate_loss();
    Vec<T> flat_grad = gather_flat_grad();
    set_params(x);
    return std::pair{loss, flat_grad};
  };

  ParamState& state = this->state(params[0]);
  double& func_evals = state.scalars["func_evals"];
  double& state_n_iter = state.scalars["n_iter"];

  const double orig_loss = evaluate_loss();
  double loss = orig_loss;
  int64_t current_evals = 1;
  func_evals += 1;
  Vec<T> flat_grad = gather_flat_grad();
  bool opt_cond = abs_max(flat_grad) <= T(tolerance_grad);
  if (opt_cond) return orig_loss;

  // Restore the history from the state.
  Vec<T> d, prev_flat_grad;
  std::vector<Vec<T>> old_dirs, old_stps;
  std::vector<double> ro;
  double t = 0, H_diag = 1, prev_loss = 0;
  if (state.buffers.count("d")) {
    d = to_vec<T>(state.buffers.at("d"));
    prev_flat_grad = to_vec<T>(state.buffers.at("prev_flat_grad"));
    t = state.scalars.at("t");
    H_diag = state.scalars.at("H_diag");
    prev_loss = state.scalars.at("prev_loss");
    const int64_t n = static_cast<int64_t>(state.scalars.at("history"));
    for (int64_t i = 0; i < n; ++i) {
      old_dirs.push_back(to_vec<T>(state.buffers.at("old_dirs." + std::to_string(i))));
      old_stps.push_back(to_vec<T>(state.buffers.at("old_stps." + std::to_string(i))));
      ro.push_back(state.scalars.at("ro." + std::to_string(i)));
    }
  }

  int64_t n_iter = 0;
  while (n_iter < max_iter) {
    ++n_iter;
    state_n_iter += 1;
    // Compute the direction.
    if (state_n_iter == 1) {
      d.resize(flat_grad.size());
      for (std::size_t i = 0; i < d.size(); ++i) d[i] = -flat_grad[i];
      old_dirs.clear();
      old_stps.clear();
      ro.clear();
      H_diag = 1;
    } else {
      // Update the memory with y = g − g_prev, s = t·d.
      Vec<T> y(flat_grad.size()), s(flat_grad.size());
      for (std::size_t i = 0; i < y.size(); ++i) {
        y[i] = flat_grad[i] - prev_flat_grad[i];
        s[i] = d[i] * T(t);
      }
      const double ys = dot(y, s);
      if (ys > 1e-10) {
        if (old_dirs.size() == history_size) {
          old_dirs.erase(old_dirs.begin());
          old_stps.erase(old_stps.begin());
          ro.erase(ro.begin());
        }
        old_dirs.push_back(y);
        old_stps.push_back(s);
        ro.push_back(1. / ys);
        H_diag = ys / double(dot(y, y));  // (y·s)/(y·y), the initial Hessian scale
      }
      // Two-loop recursion: d = −H·g.
      const std::size_t num_old = old_dirs.size();
      std::vector<double> al(num_old);
      Vec<T> q(flat_grad.size());
      for (std::size_t i = 0; i < q.size(); ++i) q[i] = -flat_grad[i];
      for (std::size_t k = num_old; k-- > 0;) {
        al[k] = double(dot(old_stps[k], q)) * ro[k];
        const T a = T(-al[k]);
        for (std::size_t i = 0; i < q.size(); ++i) q[i] = q[i] + a * old_dirs[k][i];
      }
      for (std::size_t i = 0; i < q.size(); ++i) d[i] = q[i] * T(H_diag);
      for (std::size_t k = 0; k < num_old; ++k) {
        const double be_i = double(dot(old_dirs[k], d)) * ro[k];
        const T a = T(al[k] - be_i);
        for (std::size_t i = 0; i < d.size(); ++i) d[i] = d[i] + a * old_stps[k][i];
      }
    }
    prev_flat_grad = flat_grad;
    prev_loss = loss;

    // The step length: at the very first iteration scaled by 1/|g|₁.
    t = state_n_iter == 1 ? std::min(1., 1. / double(abs_sum(flat_grad))) * lr : lr;
    const double gtd = dot(flat_grad, d);  // directional derivative
    if (gtd > -tolerance_change) break;

    int64_t ls_func_evals = 0;
    if (strong_wolfe) {
      Vec<T> x_init = clone_params();
      // _strong_wolfe with c1 = 1e-4, c2 = 0.9, max_ls = 25.
      const double c1 = 1e-4, c2 = 0.9;
      const int max_ls = 25;
      const double f = loss;
      const Vec<T>& g = flat_grad;
      const double d_norm = abs_max(d);
      auto [f_new, g_new] = directional_evaluate(x_init, t, d);
      ls_func_evals = 1;
      double gtd_new = dot(g_new, d);
      double t_prev = 0, f_prev = f, gtd_prev = gtd;
      Vec<T> g_prev = g;
      bool done = false;
      int ls_iter = 0;
      std::vector<double> bracket, bracket_f, bracket_gtd;
      std::vector<Vec<T>> bracket_g;
      while (ls_iter < max_ls) {
        if (f_new > (f + c1 * t * gtd) || (ls_iter > 1 && f_new >= f_prev)) {
          bracket = {t_prev, t}, bracket_f = {f_prev, f_new}, bracket_g = {g_prev, g_new};
          bracket_gtd = {gtd_prev, gtd_new};
          break;
        }
        if (std::abs(gtd_new) <= -c2 * gtd) {
          bracket = {t}, bracket_f = {f_new}, bracket_g = {g_new};
          done = true;
          break;
        }
        if (gtd_new >= 0) {
          bracket = {t_prev, t}, bracket_f = {f_prev, f_new}, bracket_g = {g_prev, g_new};
          bracket_gtd = {gtd_prev, gtd_new};
          break;
        }
        // Interpolate.
        const double min_step = t + 0.01 * (t - t_prev), max_step = t * 10;
        const double tmp = t;
        t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, min_step, max_step);
        t_prev = tmp, f_prev = f_new, g_prev = g_new, gtd_prev = gtd_new;
        std::tie(f_new, g_new) = directional_evaluate(x_init, t, d);
        ++ls_func_evals;
        gtd_new = dot(g_new, d);
        ++ls_iter;
      }
      if (ls_iter == max_ls) {
        bracket = {0, t}, bracket_f = {f, f_new}, bracket_g = {g, g_new};
        // PyTorch leaves bracket_gtd as set by an earlier branch here (unset when none ran).
      }
      // Zoom: refine the bracket until the strong Wolfe conditions hold.
      bool insuf_progress = false;
      std::size_t low_pos = 0, high_pos = 1;
      if (bracket_f.size() > 1 && !(bracket_f.front() <= bracket_f.back())) low_pos = 1, high_pos = 0;
      while (!done && ls_iter < max_ls) {
        const double lo = std::min(bracket[0], bracket[1]), hi = std::max(bracket[0], bracket[1]);
        if (std::abs(bracket[1] - bracket[0]) * d_norm < tolerance_change) break;
        t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]);
        // Stay away from the bracket's ends unless progress stalls.
        const double eps = 0.1 * (hi - lo);
        if (std::min(hi - t, t - lo) < eps) {
          if (insuf_progress || t >= hi || t <= lo) {
            t = std::abs(t - hi) < std::abs(t - lo) ? hi - eps : lo + eps;
            insuf_progress = false;
          } else {
            insuf_progress = true;
          }
        } else {
          insuf_progress = false;
        }
        std::tie(f_new, g_new) = directional_evaluate(x_init, t, d);
        ++ls_func_evals;
        gtd_new = dot(g_new, d);
        ++ls_iter;
        if (f_new > (f + c1 * t * gtd) || f_new >= bracket_f[low_pos]) {
          bracket[high_pos] = t, bracket_f[high_pos] = f_new, bracket_g[high_pos] = g_new;
          bracket_gtd[high_pos] = gtd_new;
          if (bracket_f[0] <= bracket_f[1])
            low_pos = 0, high_pos = 1;
          else
            low_pos = 1, high_pos = 0;
        } else {
          if (std::abs(gtd_new) <= -c2 * gtd) {
            done = true;
          } else if (gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0) {
            bracket[high_pos] = bracket[low_pos], bracket_f[high_pos] = bracket_f[low_pos];
            bracket_g[high_pos] = bracket_g[low_pos], bracket_gtd[high_pos] = bracket_gtd[low_pos];
          }
          bracket[low_pos] = t, bracket_f[low_pos] = f_new, bracket_g[low_pos] = g_new;
          bracket_gtd[low_pos] = gtd_new;
        }
      }
      t = bracket[low_pos];
      loss = bracket_f[low_pos];
      flat_grad = bracket_g[low_pos];
      add_grad(t, d);
      opt_cond = abs_max(flat_grad) <= T(tolerance_grad);
    } else {
      add_grad(t, d);  // a fixed step
      if (n_iter != max_iter) {
        loss = evaluate_loss();
        flat_grad = gather_flat_grad();
        opt_cond = abs_max(flat_grad) <= T(tolerance_grad);
        ls_func_evals = 1;
      }
    }
    current_evals += ls_func_evals;
    func_evals += double(ls_func_evals);

    // Stopping conditions.
    if (n_iter == max_iter) break;
    if (current_evals >= max_eval) break;
    if (opt_cond) break;
    T step_max = T(0);
    for (T di : d) step_max = std::max(step_max, std::abs(di * T(t)));
    if (step_max <= T(tolerance_change)) break;
    if (std::abs(loss - prev_loss) < tolerance_change) break;
  }

  // Save the history.
  for (auto it = state.buffers.begin(); it != state.buffers.end();)
    it = it->first.rfind("old_", 0) == 0 ? state.buffers.erase(it) : std::next(it);
  for (auto it = state.scalars.begin(); it != state.scalars.end();)
    it = it->first.rfind("ro.", 0) == 0 ? state.scalars.erase(it) : std::next(it);
  state.buffers["d"] = to_tensor(d);
  state.buffers["prev_flat_grad"] = to_tensor(prev_flat_grad);
  state.scalars["t"] = t;
  state.scalars["H_diag"] = H_diag;
  state.scalars["prev_loss"] = prev_loss;
  state.scalars["history"] = double(old_dirs.size());
  for (std::size_t i = 0; i < old_dirs.size(); ++i) {
    state.buffers["old_dirs." + std::to_string(i)] = to_tensor(old_dirs[i]);
    state.buffers["old_stps." + std::to_string(i)] = to_tensor(old_stps[i]);
    state.scalars["ro." + std::to_string(i)] = ro[i];
  }
  return orig_loss;
}

}  // namespace descent::optim
