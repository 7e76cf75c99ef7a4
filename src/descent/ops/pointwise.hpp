// The two shapes of most elementwise ops: a fresh tensor of f(a) for the forward, and
// g * f'(v) for the backward (v the saved input or output), each one pass over the data.
#pragma once
#include "descent/tensor/elementwise.hpp"
#include "descent/tensor/tensor.hpp"

namespace descent {

// `op` names the op in the error an int64 input gets.
template <class F>
Tensor pointwise(const Tensor& a, const char* op, F f) {
  check_floating(a.dtype(), op);
  Tensor out = Tensor::empty(a.shape(), a.dtype());
  dispatch(a.dtype(), [&]<class T>() { kernels::map_unary<T>(a, out, [&](T x) { return f(x); }); });
  return out;
}

template <class F>
Tensor times_derivative(const Tensor& g, const Tensor& v, F derivative) {
  Tensor out = Tensor::empty(g.shape(), g.dtype());
  dispatch(g.dtype(),
           [&]<class T>() { kernels::map_binary<T>(g, v, out, [&](T gv, T x) { return gv * derivative(x); }); });
  return out;
}

// g where keep(v), else 0: a select, not g · f'(v), as torch's threshold_backward, so an
// infinite g stays out of the zeros; and a select vectorizes where a bool-to-float product
// does not.
template <class F>
Tensor gradient_where(const Tensor& g, const Tensor& v, F keep) {
  Tensor out = Tensor::empty(g.shape(), g.dtype());
  dispatch(g.dtype(),
           [&]<class T>() { kernels::map_binary<T>(g, v, out, [&](T gv, T x) { return keep(x) ? gv : T(0); }); });
  return out;
}

}  // namespace descent
