// gradcheck: compares the gradients that backward computes with central finite
// differences, in float64, as torch.autograd.gradcheck. Usable on any function of tensors:
//
//   auto r = gradcheck([](const std::vector<Tensor>& in) { return tanh(in[0]) * in[1]; },
//                      {Tensor::normal({3, 4}, 0, 1, DType::f64), Tensor::normal({4}, 0, 1, DType::f64)});
//   if (!r.ok) std::cerr << r.message;
//
// A non-scalar output y is reduced as sum(y * w) with a fixed random w, so every output
// element's gradient is checked at once.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "descent/tensor/tensor.hpp"

namespace descent {

struct GradcheckOptions {
  double eps = 1e-6;   // finite-difference step
  double atol = 1e-6;  // |analytic - numeric| <= atol + rtol * |numeric|
  double rtol = 1e-4;
  // Points where the function has a kink (ReLU and abs at 0, clamp at its bounds): input
  // values closer than `kink_margin` to one are moved away before checking.
  std::vector<double> kinks;
  double kink_margin = 1e-3;
  uint64_t seed = 1234;  // for the output weighting w
};

struct GradcheckResult {
  bool ok = true;
  double max_abs_error = 0.0;
  std::string message;  // where and by how much it failed
};

using TensorFunction = std::function<Tensor(const std::vector<Tensor>&)>;

// Checks d sum(f(inputs) * w) / d inputs. Inputs must be float64; they are copied, so the
// caller's tensors are untouched.
GradcheckResult gradcheck(const TensorFunction& f, const std::vector<Tensor>& inputs,
                          const GradcheckOptions& options = {});

}  // namespace descent
