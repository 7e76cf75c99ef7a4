// The optimizer tests' common run: four steps of an optimizer spec on
// f = Σ (i mod 7 + 1)·θᵢ²/2, from a start that varies element to element, so that both the
// gradient and the state differ across the elements (and across threads' slices).
#pragma once
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "descent/descent.hpp"
#include "descent/optim/factory.hpp"

namespace descent::testing {

inline std::vector<double> four_steps(const std::string& spec, DType dtype, const Shape& shape) {
  const int64_t elems = shape.numel();
  std::vector<double> start(static_cast<std::size_t>(elems));
  for (int64_t i = 0; i < elems; ++i)
    start[static_cast<std::size_t>(i)] = std::sin(0.001 * static_cast<double>(i)) + 0.1;
  Tensor p = Tensor::from_data(std::span<const double>(start), shape, dtype).requires_grad_();
  auto opt = optim::make_optimizer(spec, std::vector<Tensor>{p});
  auto closure = [&] {
    std::vector<double> x = p.to_vector(), g(x.size());
    double f = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double c = static_cast<double>(i % 7 + 1);
      g[i] = c * x[i];
      f += 0.5 * c * x[i] * x[i];
    }
    p.set_grad(Tensor::from_data(std::span<const double>(g), shape, dtype));
    return f;
  };
  for (int t = 0; t < 4; ++t) opt->step(closure);
  return p.to_vector();
}

}  // namespace descent::testing
