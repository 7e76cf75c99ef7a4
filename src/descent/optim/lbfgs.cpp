// L-BFGS, a line-by-line port of torch/optim/lbfgs.py (PyTorch 1.13): LBFGS.step,
// _strong_wolfe and _cubic_interpolate, each a function here too. Flat vectors have the
// parameters' dtype, as there.
#include "descent/optim/lbfgs.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <vector>

#include "descent/optim/rule.hpp"
#include "descent/tensor/grad_mode.hpp"

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

// _cubic_interpolate: the minimizer of the cubic through (x1, f1, g1) and (x2, f2, g2),
// clamped to the bounds (by default the two points).
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

// The loss and flat gradient at x + t·d (torch's _directional_evaluate, x and d fixed).
template <class T>
using DirectionalEvaluate = std::function<std::pair<double, Vec<T>>(double t)>;

// _strong_wolfe's constants: sufficient decrease c1, curvature c2, at most max_ls evaluations.
constexpr double kC1 = 1e-4, kC2 = 0.9;
constexpr int kMaxLs = 25;

// The interval the zoom phase narrows, by its ends: step t, loss f, gradient g and
// directional derivative gtd; `done` when its one point already satisfies strong Wolfe.
template <class T>
struct Bracket {
  std::vector<double> t, f, gtd;
  std::vector<Vec<T>> g;
  bool done = false;
  int ls_iter = 0;
  int64_t evals = 0;
};

// What a line search found: the loss and flat gradient at step t, and the evaluations it took.
template <class T>
struct LineSearchResult {
  double f;
  Vec<T> g;
  double t;
  int64_t evals;
};

// The first half of _strong_wolfe: grow the step until an interval holding a strong-Wolfe
// point is bracketed (or such a point is found).
template <class T>
Bracket<T> bracket_phase(const DirectionalEvaluate<T>& evaluate, double t, const Vec<T>& d, double f, const Vec<T>& g,
                         double gtd) {
  Bracket<T> out;
  auto [f_new, g_new] = evaluate(t);
  out.evals = 1;
  double gtd_new = dot(g_new, d);
  double t_prev = 0, f_prev = f, gtd_prev = gtd;
  Vec<T> g_prev = g;
  while (out.ls_iter < kMaxLs) {
    // A step that fails the sufficient decrease (or no longer decreases) ends the bracket.
    const bool overshot = f_new > (f + kC1 * t * gtd) || (out.ls_iter > 1 && f_new >= f_prev);
    if (!overshot && std::abs(gtd_new) <= -kC2 * gtd) {
      out.t = {t}, out.f = {f_new}, out.g = {g_new};
      out.done = true;
      return out;
    }
    if (overshot || gtd_new >= 0) {
      out.t = {t_prev, t}, out.f = {f_prev, f_new}, out.g = {g_prev, g_new}, out.gtd = {gtd_prev, gtd_new};
      return out;
    }
    // Interpolate.
    const double min_step = t + 0.01 * (t - t_prev), max_step = t * 10;
    const double tmp = t;
    t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, min_step, max_step);
    t_prev = tmp, f_prev = f_new, g_prev = g_new, gtd_prev = gtd_new;
    std::tie(f_new, g_new) = evaluate(t);
    ++out.evals;
    gtd_new = dot(g_new, d);
    ++out.ls_iter;
  }
  // Out of evaluations: the zoom below does not run. PyTorch leaves bracket_gtd unset here.
  out.t = {0, t}, out.f = {f, f_new}, out.g = {g, g_new};
  return out;
}

// The second half of _strong_wolfe: shrink the bracket by cubic interpolation until a point
// satisfies the strong Wolfe conditions, the bracket is too small, or max_ls is reached.
template <class T>
LineSearchResult<T> zoom(Bracket<T> b, const DirectionalEvaluate<T>& evaluate, const Vec<T>& d, double f, double gtd,
                         double tolerance_change) {
  const double d_norm = abs_max(d);
  bool insuf_progress = false;
  std::size_t low_pos = 0, high_pos = 1;
  if (b.f.size() > 1 && !(b.f.front() <= b.f.back())) low_pos = 1, high_pos = 0;
  while (!b.done && b.ls_iter < kMaxLs) {
    const double lo = std::min(b.t[0], b.t[1]), hi = std::max(b.t[0], b.t[1]);
    if (std::abs(b.t[1] - b.t[0]) * d_norm < tolerance_change) break;
    double t = cubic_interpolate(b.t[0], b.f[0], b.gtd[0], b.t[1], b.f[1], b.gtd[1]);
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
    auto [f_new, g_new] = evaluate(t);
    ++b.evals;
    const double gtd_new = dot(g_new, d);
    ++b.ls_iter;
    if (f_new > (f + kC1 * t * gtd) || f_new >= b.f[low_pos]) {
      b.t[high_pos] = t, b.f[high_pos] = f_new, b.g[high_pos] = g_new, b.gtd[high_pos] = gtd_new;
      if (b.f[0] <= b.f[1])
        low_pos = 0, high_pos = 1;
      else
        low_pos = 1, high_pos = 0;
    } else {
      if (std::abs(gtd_new) <= -kC2 * gtd) {
        b.done = true;
      } else if (gtd_new * (b.t[high_pos] - b.t[low_pos]) >= 0) {
        b.t[high_pos] = b.t[low_pos], b.f[high_pos] = b.f[low_pos];
        b.g[high_pos] = b.g[low_pos], b.gtd[high_pos] = b.gtd[low_pos];
      }
      b.t[low_pos] = t, b.f[low_pos] = f_new, b.g[low_pos] = g_new, b.gtd[low_pos] = gtd_new;
    }
  }
  return {b.f[low_pos], b.g[low_pos], b.t[low_pos], b.evals};
}

// _strong_wolfe from the current point (loss f, flat gradient g) along d, first trying step t.
template <class T>
LineSearchResult<T> strong_wolfe(const DirectionalEvaluate<T>& evaluate, double t, const Vec<T>& d, double f,
                                 const Vec<T>& g, double gtd, double tolerance_change) {
  return zoom(bracket_phase(evaluate, t, d, f, g, gtd), evaluate, d, f, gtd, tolerance_change);
}

// The parameters as one flat vector: torch's _gather_flat_grad, _add_grad, _clone_param,
// _set_param and _directional_evaluate.
template <class T>
class FlatParams {
 public:
  FlatParams(std::vector<Tensor>& params, std::function<Tensor(const Tensor&)> gradient,
             const std::function<double()>& closure)
      : params_(params), gradient_(std::move(gradient)), closure_(closure) {}

  // The closure's loss, with gradients enabled for its backward.
  double evaluate() const {
    set_grad_enabled(true);
    const double loss = closure_();
    set_grad_enabled(false);
    return loss;
  }
  Vec<T> flat_grad() const {
    Vec<T> flat;
    for (const Tensor& p : params_) {
      Tensor g = gradient_(p);
      if (!g.defined()) {
        flat.insert(flat.end(), p.numel(), T(0));
      } else {
        const T* pg = g.data<T>();
        flat.insert(flat.end(), pg, pg + p.numel());
      }
    }
    return flat;
  }
  void add(double step_size, const Vec<T>& update) {  // θ ← θ + step_size·update
    std::size_t offset = 0;
    const T a = T(step_size);
    for (Tensor& p : params_) {
      T* x = p.data<T>();
      for (int64_t i = 0; i < p.numel(); ++i) x[i] = x[i] + a * update[offset + i];
      offset += p.numel();
    }
  }
  Vec<T> values() const {
    Vec<T> flat;
    for (const Tensor& p : params_) flat.insert(flat.end(), p.data<T>(), p.data<T>() + p.numel());
    return flat;
  }
  void set(const Vec<T>& flat) {
    std::size_t offset = 0;
    for (Tensor& p : params_) {
      std::copy(flat.begin() + offset, flat.begin() + offset + p.numel(), p.data<T>());
      offset += p.numel();
    }
  }
  // Loss and flat gradient at x + t·d; the parameters are restored to x after.
  std::pair<double, Vec<T>> directional_evaluate(const Vec<T>& x, double t, const Vec<T>& d) {
    add(t, d);
    const double loss = evaluate();
    Vec<T> flat_grad = this->flat_grad();
    set(x);
    return {loss, flat_grad};
  }

 private:
  std::vector<Tensor>& params_;
  std::function<Tensor(const Tensor&)> gradient_;
  const std::function<double()>& closure_;
};

// torch's LBFGS state: the last direction d and step t, the pairs (y = old_dirs, s =
// old_stps) with ρ = 1/yᵀs, the initial Hessian scale H_diag, the previous gradient and
// loss, and the counters. It lives in the first parameter's state (buffers "d",
// "prev_flat_grad", "old_dirs.i", "old_stps.i"; scalars "t", "H_diag", "prev_loss", "ro.i",
// "history", "n_iter", "func_evals"), so state_dict saves it.
template <class T>
struct History {
  Vec<T> d, prev_flat_grad;
  std::vector<Vec<T>> old_dirs, old_stps;
  std::vector<double> ro;
  double t = 0, H_diag = 1, prev_loss = 0;
  double n_iter = 0, func_evals = 0;

  static History load(const ParamState& state) {
    History h;
    auto scalar = [&](const std::string& key) {
      auto it = state.scalars.find(key);
      return it == state.scalars.end() ? 0.0 : it->second;
    };
    h.n_iter = scalar("n_iter");
    h.func_evals = scalar("func_evals");
    if (!state.buffers.count("d")) return h;
    h.d = to_vec<T>(state.buffers.at("d"));
    h.prev_flat_grad = to_vec<T>(state.buffers.at("prev_flat_grad"));
    h.t = state.scalars.at("t");
    h.H_diag = state.scalars.at("H_diag");
    h.prev_loss = state.scalars.at("prev_loss");
    const int64_t n = static_cast<int64_t>(state.scalars.at("history"));
    for (int64_t i = 0; i < n; ++i) {
      h.old_dirs.push_back(to_vec<T>(state.buffers.at("old_dirs." + std::to_string(i))));
      h.old_stps.push_back(to_vec<T>(state.buffers.at("old_stps." + std::to_string(i))));
      h.ro.push_back(state.scalars.at("ro." + std::to_string(i)));
    }
    return h;
  }
  void save_counters(ParamState& state) const {
    state.scalars["n_iter"] = n_iter;
    state.scalars["func_evals"] = func_evals;
  }
  void save(ParamState& state) const {
    save_counters(state);
    std::erase_if(state.buffers, [](const auto& entry) { return entry.first.rfind("old_", 0) == 0; });
    std::erase_if(state.scalars, [](const auto& entry) { return entry.first.rfind("ro.", 0) == 0; });
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
  }
};

// The next direction d = −H·g: −g at the very first iteration; otherwise the memory takes
// the newest pair (y = g − g_prev, s = t·d) when yᵀs > 1e-10, and the two-loop recursion
// applies the inverse-Hessian approximation.
template <class T>
void update_direction(History<T>& h, const Vec<T>& flat_grad, std::size_t history_size) {
  if (h.n_iter == 1) {
    h.d.resize(flat_grad.size());
    for (std::size_t i = 0; i < h.d.size(); ++i) h.d[i] = -flat_grad[i];
    h.old_dirs.clear(), h.old_stps.clear(), h.ro.clear();
    h.H_diag = 1;
    return;
  }
  Vec<T> y(flat_grad.size()), s(flat_grad.size());
  for (std::size_t i = 0; i < y.size(); ++i) {
    y[i] = flat_grad[i] - h.prev_flat_grad[i];
    s[i] = h.d[i] * T(h.t);
  }
  const double ys = dot(y, s);
  if (ys > 1e-10) {
    if (h.old_dirs.size() == history_size) {
      h.old_dirs.erase(h.old_dirs.begin()), h.old_stps.erase(h.old_stps.begin()), h.ro.erase(h.ro.begin());
    }
    h.old_dirs.push_back(y), h.old_stps.push_back(s), h.ro.push_back(1. / ys);
    h.H_diag = ys / double(dot(y, y));  // (y·s)/(y·y), the initial Hessian scale
  }
  const std::size_t num_old = h.old_dirs.size();
  std::vector<double> al(num_old);
  Vec<T> q(flat_grad.size());
  for (std::size_t i = 0; i < q.size(); ++i) q[i] = -flat_grad[i];
  for (std::size_t k = num_old; k-- > 0;) {
    al[k] = double(dot(h.old_stps[k], q)) * h.ro[k];
    const T a = T(-al[k]);
    for (std::size_t i = 0; i < q.size(); ++i) q[i] = q[i] + a * h.old_dirs[k][i];
  }
  for (std::size_t i = 0; i < q.size(); ++i) h.d[i] = q[i] * T(h.H_diag);
  for (std::size_t k = 0; k < num_old; ++k) {
    const double be_i = double(dot(h.old_dirs[k], h.d)) * h.ro[k];
    const T a = T(al[k] - be_i);
    for (std::size_t i = 0; i < h.d.size(); ++i) h.d[i] = h.d[i] + a * h.old_stps[k][i];
  }
}

}  // namespace

template <>
Table<LBFGSOptions> table_of<LBFGSOptions>() {  // torch.optim.LBFGS's arguments, in its order
  using O = LBFGSOptions;
  return {"lbfgs",
          WeightDecay::none,
          {lr_row<O>("step length (the line search's first trial)"),
           integer("max_iter", &O::max_iter, at_least(1), "iterations per step()"),
           integer("max_eval", &O::max_eval, at_least(0),
                   "function evaluations per step() (0: max_iter·5/4, PyTorch's None)"),
           number("tolerance_grad", &O::tolerance_grad, at_least(0), "stop when max|g| ≤ this"),
           number("tolerance_change", &O::tolerance_change, at_least(0),
                  "stop when the loss or the step changes less than this"),
           integer("history_size", &O::history_size, at_least(1), "(s, y) pairs kept"),
           choice("line_search_fn", &O::line_search_fn, {"none", "strong_wolfe"}, "strong_wolfe (1) or none (0)")}};
}

namespace {

// PyTorch's LBFGS takes one group of parameters of one dtype.
std::vector<ParamGroup> one_group_of_one_dtype(std::vector<ParamGroup> groups) {
  if (groups.size() > 1)
    throw ValueError("lbfgs: doesn't support per-parameter options (parameter groups); give one group");
  for (const ParamGroup& group : groups)
    for (const Tensor& p : group.params)
      if (p.defined() && p.dtype() != group.params[0].dtype())
        throw ValueError("lbfgs: all parameters must share one dtype");
  return groups;
}

}  // namespace

LBFGS::LBFGS(std::vector<Tensor> params, const LBFGSOptions& options) : LBFGS(one_group(std::move(params)), options) {}

LBFGS::LBFGS(std::vector<ParamGroup> groups, const LBFGSOptions& options)
    : Tabled(one_group_of_one_dtype(std::move(groups)), options) {}

void LBFGS::add_param_group(ParamGroup group) {
  if (!groups_.empty())
    throw ValueError("lbfgs: doesn't support per-parameter options (parameter groups); give one group");
  Optimizer::add_param_group(std::move(one_group_of_one_dtype({std::move(group)})[0]));
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

// LBFGS.step: up to max_iter iterations, each a new direction and a step along it.
template <class T>
double LBFGS::run(const std::function<double()>& closure) {
  NoGradGuard no_grad;
  const LBFGSOptions options = settings(groups_[0]);
  const int64_t max_eval = options.max_eval > 0 ? options.max_eval : options.max_iter * 5 / 4;
  const bool use_strong_wolfe = options.line_search_fn == "strong_wolfe";
  FlatParams<T> flat(
      groups_[0].params, [this](const Tensor& p) { return gradient(p); }, closure);
  ParamState& state = this->state(groups_[0].params[0]);
  History<T> h = History<T>::load(state);

  const double orig_loss = flat.evaluate();
  double loss = orig_loss;
  int64_t current_evals = 1;
  h.func_evals += 1;
  Vec<T> flat_grad = flat.flat_grad();
  bool opt_cond = abs_max(flat_grad) <= T(options.tolerance_grad);
  if (opt_cond) {
    h.save_counters(state);
    return orig_loss;
  }
  for (int64_t n_iter = 1; n_iter <= options.max_iter; ++n_iter) {
    h.n_iter += 1;
    update_direction(h, flat_grad, static_cast<std::size_t>(options.history_size));
    h.prev_flat_grad = flat_grad;
    h.prev_loss = loss;
    // The step length: at the very first iteration scaled by 1/|g|₁.
    h.t = h.n_iter == 1 ? std::min(1., 1. / double(abs_sum(flat_grad))) * options.lr : options.lr;
    const double gtd = dot(flat_grad, h.d);  // directional derivative
    if (gtd > -options.tolerance_change) break;

    int64_t ls_func_evals = 0;
    if (use_strong_wolfe) {
      const Vec<T> x_init = flat.values();
      const DirectionalEvaluate<T> evaluate = [&](double t) { return flat.directional_evaluate(x_init, t, h.d); };
      LineSearchResult<T> found = strong_wolfe(evaluate, h.t, h.d, loss, flat_grad, gtd, options.tolerance_change);
      loss = found.f, flat_grad = std::move(found.g), h.t = found.t, ls_func_evals = found.evals;
      flat.add(h.t, h.d);
      opt_cond = abs_max(flat_grad) <= T(options.tolerance_grad);
    } else {
      flat.add(h.t, h.d);  // a fixed step
      if (n_iter != options.max_iter) {
        loss = flat.evaluate();
        flat_grad = flat.flat_grad();
        opt_cond = abs_max(flat_grad) <= T(options.tolerance_grad);
        ls_func_evals = 1;
      }
    }
    current_evals += ls_func_evals;
    h.func_evals += double(ls_func_evals);

    // Stopping conditions.
    if (n_iter == options.max_iter || current_evals >= max_eval || opt_cond) break;
    T step_max = T(0);
    for (T di : h.d) step_max = std::max(step_max, std::abs(di * T(h.t)));
    if (step_max <= T(options.tolerance_change)) break;
    if (std::abs(loss - h.prev_loss) < options.tolerance_change) break;
  }
  h.save(state);
  return orig_loss;
}

template class Tabled<LBFGSOptions>;

}  // namespace descent::optim
