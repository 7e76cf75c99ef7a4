// Central differences: (f(x + eps) - f(x - eps)) / (2 eps), one input element at a time.
#include "descent/ops/gradcheck.hpp"

#include <cmath>
#include <sstream>

#include "descent/ops/ops.hpp"
#include "descent/tensor/grad_mode.hpp"

namespace descent {

GradcheckResult gradcheck(const TensorFunction& f, const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
  std::vector<Tensor> x;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].dtype() != DType::f64)
      throw ValueError("gradcheck: input " + std::to_string(i) + " is " + std::string(dtype_name(inputs[i].dtype())) +
                       "; finite differences need float64");
    Tensor c = inputs[i].detach().clone();
    double* p = c.data<double>();
    for (int64_t k = 0; k < c.numel(); ++k)
      for (double kink : options.kinks)
        if (std::abs(p[k] - kink) < options.kink_margin) p[k] = kink + (p[k] >= kink ? 1 : -1) * options.kink_margin;
    c.requires_grad_(true);
    x.push_back(c);
  }

  // Scalar objective sum(f(x) * w) with fixed random weights w.
  Generator gen(options.seed);
  Tensor w;
  auto objective = [&]() -> double {
    NoGradGuard guard;
    const Tensor y = f(x);
    return sum(mul(y, w)).item();
  };
  {
    NoGradGuard guard;
    const Tensor y0 = f(x);
    w = Tensor::uniform(y0.shape(), 0.5, 1.5, DType::f64, &gen);
  }

  const Tensor y = f(x);
  if (!y.requires_grad()) {
    GradcheckResult r;
    r.ok = false;
    r.message = "gradcheck: the output does not require grad (no input reached it)";
    return r;
  }
  sum(mul(y, w)).backward();

  GradcheckResult result;
  std::ostringstream msg;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const Tensor analytic_grad = x[i].grad();
    double* p = x[i].data<double>();
    for (int64_t k = 0; k < x[i].numel(); ++k) {
      const double saved = p[k];
      p[k] = saved + options.eps;
      const double plus = objective();
      p[k] = saved - options.eps;
      const double minus = objective();
      p[k] = saved;
      const double numeric = (plus - minus) / (2 * options.eps);
      const double analytic = analytic_grad.defined() ? analytic_grad.data<double>()[k] : 0.0;
      const double err = std::abs(analytic - numeric);
      result.max_abs_error = std::max(result.max_abs_error, err);
      if (!(err <= options.atol + options.rtol * std::abs(numeric))) {
        if (result.ok) {
          msg << "gradcheck: input " << i << " (shape " << x[i].shape().str() << "), element " << k << ": analytic "
              << analytic << " vs numeric " << numeric << " (error " << err << ")";
        }
        result.ok = false;
      }
    }
  }
  result.message = msg.str();
  return result;
}

}  // namespace descent
