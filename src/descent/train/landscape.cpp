// Filter-normalized random directions and the loss evaluated on a grid around the weights.
#include "descent/train/landscape.hpp"

#include <omp.h>
#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>

#include "descent/core/error.hpp"
#include "descent/core/threads.hpp"
#include "descent/ops/ops.hpp"
#include "descent/tensor/grad_mode.hpp"
#include "descent/viz/contour.hpp"
#include "descent/viz/trajectory_plot.hpp"

namespace descent {

namespace {

// The paper's code divides by ||d_row|| + 1e-10, which keeps a zero row (a dead neuron's
// weights) at zero instead of NaN.
constexpr double kNormEpsilon = 1e-10;

std::vector<double> linspace(double lo, double hi, int n) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = lo + (hi - lo) * i / (n - 1);
  // The middle point of a symmetric range is exactly the trained weights.
  if (n % 2 == 1 && lo == -hi) v[static_cast<std::size_t>(n / 2)] = 0.0;
  return v;
}

}  // namespace

NamedTensors filter_normalized_direction(const NamedTensors& params, Generator& gen) {
  NoGradGuard guard;
  NamedTensors direction;
  for (const auto& [name, w] : params) {
    Tensor d = Tensor::zeros(w.shape(), w.dtype());
    if (w.dim() >= 2) {
      d.normal_(0.0, 1.0, &gen);
      const Tensor weights = w.detach().contiguous();
      const int64_t rows = w.shape()[0], cols = w.numel() / rows;  // (out, in...) : one row per neuron
      dispatch(w.dtype(), [&]<class T>() {
        const T* wp = weights.data<T>();
        T* dp = d.data<T>();
        for (int64_t r = 0; r < rows; ++r) {
          double w_norm = 0, d_norm = 0;
          for (int64_t k = 0; k < cols; ++k) {
            w_norm += static_cast<double>(wp[r * cols + k]) * wp[r * cols + k];
            d_norm += static_cast<double>(dp[r * cols + k]) * dp[r * cols + k];
          }
          const double scale = std::sqrt(w_norm) / (std::sqrt(d_norm) + kNormEpsilon);
          for (int64_t k = 0; k < cols; ++k) dp[r * cols + k] = static_cast<T>(dp[r * cols + k] * scale);
        }
      });
    }
    direction.emplace_back(name, d);
  }
  return direction;
}

Dataset evaluation_subset(const Dataset& data, int64_t n, Generator& gen) {
  if (n <= 0) throw ValueError("landscape: the number of examples must be positive, got " + std::to_string(n));
  if (data.size() == 0) throw ValueError("landscape: the data set to evaluate on is empty");
  std::vector<int64_t> order = gen.permutation(data.size());
  order.resize(static_cast<std::size_t>(std::min(n, data.size())));
  const Tensor rows = Tensor::from_data(order, {static_cast<int64_t>(order.size())});  // int64 row indices
  Dataset subset = data;
  subset.x = index_select(data.x, 0, rows).contiguous();
  subset.y = index_select(data.y, 0, rows).contiguous();
  return subset;
}

void validate(const LandscapeOptions& o) {
  if (o.grid < 2)
    throw ValueError("landscape: --grid must be at least 2 points per axis, got " + std::to_string(o.grid));
  if (!std::isfinite(o.lo) || !std::isfinite(o.hi) || !(o.lo < o.hi))
    throw ValueError("landscape: --range LO,HI needs finite LO < HI, got " + std::to_string(o.lo) + "," +
                     std::to_string(o.hi));
  if (o.batch_size < 1)
    throw ValueError("landscape: the batch size must be positive, got " + std::to_string(o.batch_size));
}

Landscape loss_landscape(const ModelFactory& make_model, const NamedTensors& trained, const Dataset& data,
                         const LossFunction& loss, const LandscapeOptions& o, Generator& gen) {
  validate(o);
  // The directions cover the parameters only: buffers (batch-norm statistics) stay as trained.
  const NamedTensors params = [&] {
    const std::shared_ptr<Module> probe = make_model();
    probe->load_state_dict(trained);
    NoGradGuard guard;
    NamedTensors copy;
    for (const auto& [name, p] : probe->named_parameters()) copy.emplace_back(name, p.detach().clone());
    return copy;
  }();
  const NamedTensors d1 = filter_normalized_direction(params, gen);
  const NamedTensors d2 = o.one_d ? NamedTensors{} : filter_normalized_direction(params, gen);

  Landscape result;
  result.classification = data.is_classification();
  result.a = linspace(o.lo, o.hi, o.grid);
  if (!o.one_d) result.b = linspace(o.lo, o.hi, o.grid);
  const std::size_t nb = o.one_d ? 1 : result.b.size(), na = result.a.size(), points = na * nb;
  result.loss.assign(points, 0.0);
  result.accuracy.assign(points, 0.0);

  const int threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(get_num_threads()), points));
  std::exception_ptr failure;
#pragma omp parallel num_threads(threads)
  {
    // Inside the region every kernel and BLAS call runs on this thread alone (OpenBLAS's OpenMP
    // build is serial within a parallel region; omp_set_num_threads is per thread here).
    omp_set_num_threads(1);
    std::shared_ptr<Module> model;
    NamedTensors own;
    try {
      model = make_model();
      model->load_state_dict(trained);
      own = model->named_parameters();
    } catch (...) {
#pragma omp critical(descent_landscape_failure)
      if (!failure) failure = std::current_exception();
    }
#pragma omp for schedule(dynamic)
    for (std::size_t point = 0; point < points; ++point) {
      if (!model) continue;
      try {
        const double a = result.a[point % na], b = o.one_d ? 0.0 : result.b[point / na];
        {
          // theta = theta* + a d1 + b d2; at the origin exactly theta*.
          NoGradGuard guard;
          for (std::size_t k = 0; k < own.size(); ++k) {
            Tensor p = own[k].second;
            p.copy_(params[k].second);
            if (a != 0) p.add_(d1[k].second, a);
            if (b != 0) p.add_(d2[k].second, b);
          }
        }
        const EvalResult r = evaluate(*model, data, loss, o.batch_size);
        result.loss[point] = r.loss;
        result.accuracy[point] = r.accuracy;
      } catch (...) {
#pragma omp critical(descent_landscape_failure)
        if (!failure) failure = std::current_exception();
      }
    }
  }
  if (failure) std::rethrow_exception(failure);
  return result;
}

viz::Rendered plot_landscape(const Landscape& l, const std::string& title) {
  viz::Figure figure(l.b.empty() ? 720 : 760, l.b.empty() ? 440 : 620);
  viz::Panel& panel = figure.add_panel();
  panel.title = title;
  panel.x_label = "a (along direction 1)";
  if (l.b.empty()) {
    panel.y_label = "loss";
    panel.line("loss", l.a, l.loss);
    const auto origin = std::find(l.a.begin(), l.a.end(), 0.0);
    if (origin != l.a.end())
      panel.marker("trained weights", {0.0, l.loss[static_cast<std::size_t>(origin - l.a.begin())]});
    return figure.render();
  }
  panel.y_label = "b (along direction 2)";
  viz::Grid grid{.domain = {l.a.front(), l.b.front(), l.a.back(), l.b.back()},
                 .nx = static_cast<int>(l.a.size()),
                 .ny = static_cast<int>(l.b.size()),
                 .z = l.loss};
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  for (double v : l.loss)
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  // Around a minimum the loss often grows by orders of magnitude towards the edges: log-spaced
  // levels then show both the basin and the walls.
  const bool log_spaced = lo > 0 && hi / lo > 10;
  std::vector<double> levels = viz::auto_levels(grid, log_spaced);
  panel.contour(std::move(grid), {.levels = std::move(levels), .filled = true, .colorbar_label = "loss"});
  if (0.0 >= l.a.front() && 0.0 <= l.a.back() && 0.0 >= l.b.front() && 0.0 <= l.b.back())
    panel.marker("trained weights", {0.0, 0.0});
  return figure.render();
}

}  // namespace descent
