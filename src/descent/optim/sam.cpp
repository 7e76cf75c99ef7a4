// SAM, following Foret et al. (2021) Algorithm 1 with p = 2: ε̂ = ρ·g/‖g‖₂ over all
// parameters, the gradient at θ + ε̂, then the base optimizer's step from θ.
#include "descent/optim/sam.hpp"

#if defined(__SSE2__)
#include <immintrin.h>
#endif

#include <array>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "descent/optim/rule.hpp"

namespace descent::optim {

namespace {

std::string rho_key_for(const Optimizer& inner) { return inner.defaults().count("rho") ? "sam.rho" : "rho"; }

// The defaults: the inner optimizer's, and rho, once the inner one is known to take a plain step.
Options around(const std::unique_ptr<Optimizer>& inner, const SamOptions& options) {
  if (!inner) throw ValueError("sam: no inner optimizer; write sam(INNER):rho=0.05, e.g. sam(sgd:lr=0.1)");
  if (inner->needs_closure())
    throw ValueError("sam: the inner optimizer " + inner->name() +
                     " evaluates its own closure; SAM needs one that takes a plain step (sgd, adam, ...)");
  Options defaults = inner->defaults();
  defaults[rho_key_for(*inner)] = options.rho;
  return defaults;
}

// copy[i] ← θ[i] and, where `move`, θ[i] ← θ[i] + s·g[i], for i in [begin, end). The copy is
// written with SSE2's streaming stores, which skip reading its cache lines before writing
// them (nothing reads the copy until the restore, after the closure's forward and backward);
// θ + s·g rounds once per operation, as in every other loop of the step.
template <class T>
void ascend_range(T* theta, T* copy, const T* g, T s, bool move, int64_t begin, int64_t end) {
  auto one = [=](int64_t i) {
    copy[i] = theta[i];
    if (move) theta[i] = theta[i] + s * g[i];
  };
  int64_t i = begin;
#if defined(__SSE2__)
  constexpr int64_t bytes = 16, lanes = bytes / sizeof(T);                                 // an SSE2 register
  for (; i < end && reinterpret_cast<std::uintptr_t>(copy + i) % bytes != 0; ++i) one(i);  // to an aligned copy
  for (; i + lanes <= end; i += lanes) {
    if constexpr (std::is_same_v<T, float>) {
      const __m128 t = _mm_loadu_ps(theta + i);
      _mm_stream_ps(copy + i, t);
      if (move) _mm_storeu_ps(theta + i, _mm_add_ps(t, _mm_mul_ps(_mm_set1_ps(s), _mm_loadu_ps(g + i))));
    } else {
      const __m128d t = _mm_loadu_pd(theta + i);
      _mm_stream_pd(copy + i, t);
      if (move) _mm_storeu_pd(theta + i, _mm_add_pd(t, _mm_mul_pd(_mm_set1_pd(s), _mm_loadu_pd(g + i))));
    }
  }
  _mm_sfence();  // the streamed copy is complete before the thread leaves the step's region
#endif
  for (; i < end; ++i) one(i);
}

}  // namespace

template <>
Table<SamOptions> table_of<SamOptions>() {  // the hyperparameter of Foret et al. (2021)
  using O = SamOptions;
  return {"sam", WeightDecay::none, {number("rho", &O::rho, at_least(0), "radius of the neighbourhood: ε = ρ·g/‖g‖")}};
}

const Table<SamOptions>& Sam::table() { return Tabled<SamOptions>::table(); }

const std::vector<Hyperparameter>& Sam::hyperparameters() { return Tabled<SamOptions>::hyperparameters(); }

Sam::Sam(std::unique_ptr<Optimizer> inner, const SamOptions& options)
    : Optimizer(around(inner, options)), inner_(std::move(inner)), rho_key_(rho_key_for(*inner_)) {
  validate(defaults_);
  for (ParamGroup group : inner_->param_groups()) {
    group.options[rho_key_] = options.rho;
    Optimizer::add_param_group(std::move(group));
  }
}

Options Sam::inner_options(const Options& options) const {
  Options out = options;
  out.erase(rho_key_);
  return out;
}

void Sam::validate(const Options& options) const {
  auto rho = options.find(rho_key_);
  check_ranges(name(), hyperparameters(), {{"rho", rho == options.end() ? -1.0 : rho->second}});
  if (inner_) inner_->check_options(inner_options(options));
}

void Sam::add_param_group(ParamGroup group) {
  Options complete = group.options;
  for (const auto& [key, value] : defaults_) complete.try_emplace(key, value);
  validate(complete);  // rho and the inner optimizer's options, before either holds the group
  inner_->add_param_group({.params = group.params, .names = group.names, .options = inner_options(complete)});
  Optimizer::add_param_group(std::move(group));
}

Tensor& Sam::copy_of(const Tensor& param) {
  Tensor& copy = copies_[param.impl_ptr().get()];
  if (!copy.defined() || !(copy.shape() == param.shape()) || copy.dtype() != param.dtype())
    copy = Tensor::empty(param.shape(), param.dtype());
  return copy;
}

std::vector<std::pair<Tensor, Tensor>> Sam::ascend() {
  FusedSums<1> squares;  // every parameter's Σg² in one parallel region
  for_each_param_with_grad([&](ParamGroup&, Tensor& param, const Tensor& grad, ParamState&) {
    dispatch(param.dtype(), [&]<class T>() {
      const T* g = grad.data<T>();
      squares.add(param.numel(), [=](int64_t i) { return double(g[i]) * double(g[i]); });
    });
  });
  double norm_sq = 0.0;
  for (const std::array<double, 1>& sum : squares.run()) norm_sq += sum[0];
  std::vector<std::pair<Tensor, Tensor>> saved;
  const double norm = std::sqrt(norm_sq);
  FusedStep loops;
  for_each_param_with_grad([&](ParamGroup& group, Tensor& param, const Tensor& grad, ParamState&) {
    saved.emplace_back(param, copy_of(param));
    const double scale = norm == 0.0 ? 0.0 : group.get(rho_key_) / norm;  // a stationary point: ε = 0
    dispatch(param.dtype(), [&]<class T>() {
      T* theta = param.data<T>();
      T* copy = saved.back().second.data<T>();
      const T* g = grad.data<T>();
      const T s = T(scale);  // θ + ρ·g/‖g‖, unless ε = 0
      loops.add_range(param.numel(),
                      [=](int64_t begin, int64_t end) { ascend_range(theta, copy, g, s, scale != 0.0, begin, end); });
    });
  });
  loops.run();
  return saved;
}

void Sam::restore(const std::vector<std::pair<Tensor, Tensor>>& saved) {
  FusedStep loops;
  for (const auto& entry : saved) {
    const Tensor& param = entry.first;  // not a structured binding: lambdas capture it below
    const Tensor& copy = entry.second;
    dispatch(param.dtype(), [&]<class T>() {
      T* theta = param.data<T>();
      const T* from = copy.data<T>();
      loops.add(param.numel(), [=](int64_t i) { theta[i] = from[i]; });
    });
  }
  loops.run();
  for (const auto& entry : saved) entry.first.impl().storage->bump_version();  // as copy_ would
}

double Sam::step(const std::function<double()>& closure) {
  if (!closure) throw ValueError("sam: step needs the closure that recomputes the loss and gradients");
  for (std::size_t g = 0; g < groups_.size(); ++g)
    inner_->param_groups()[g].options = inner_options(groups_[g].options);
  const double loss = closure();  // g at θ
  const std::vector<std::pair<Tensor, Tensor>> saved = ascend();
  closure();       // g at θ + ε
  restore(saved);  // back to θ, exactly
  inner_->step();
  return loss;
}

OptimizerState Sam::state_dict() const {
  OptimizerState out = inner_->state_dict();
  out.optimizer = "sam(" + out.optimizer + ")";
  for (std::size_t g = 0; g < groups_.size(); ++g) out.groups[g] = groups_[g].options;
  return out;
}

void Sam::load_state_dict(const OptimizerState& state) {
  const std::string& saved = state.optimizer;
  const bool wraps = saved.size() > 5 && saved.compare(0, 4, "sam(") == 0 && saved.back() == ')';
  if (!wraps) throw ValueError("sam.load_state_dict: the state is from optimizer '" + saved + "', not a sam");
  OptimizerState inner_state = state;
  inner_state.optimizer = saved.substr(4, saved.size() - 5);  // checked by the inner optimizer
  inner_state.groups.clear();
  for (const Options& g : state.groups) {
    auto rho = g.find(rho_key_);
    if (rho != g.end()) check_ranges(name(), hyperparameters(), {{"rho", rho->second}});
    inner_state.groups.push_back(inner_options(g));
  }
  inner_->load_state_dict(inner_state);  // checks the rest (group count, shapes, ranges) first
  for (std::size_t g = 0; g < groups_.size(); ++g)
    for (const auto& [key, value] : state.groups[g]) groups_[g].options[key] = value;
}

template class Tabled<SamOptions>;

}  // namespace descent::optim
