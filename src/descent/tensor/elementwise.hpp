// Elementwise loops over tensors of any layout, on top of for_each_row. The inner loop is
// written separately for unit strides so the compiler vectorizes it, for the running CPU's
// instruction set (simd_for).
#pragma once
#include "descent/kernels/cpu_dispatch.hpp"
#include "descent/kernels/strided.hpp"
#include "descent/tensor/tensor.hpp"

namespace descent::kernels {

// out[i] = f(a[i]); out has a's shape (any layout, usually a fresh contiguous tensor).
template <class T, class F>
void map_unary(const Tensor& a, const Tensor& out, F f) {
  const T* pa = a.data<T>();
  T* po = out.data<T>();
  for_each_row<2>(out.shape(), {out.strides(), a.strides()},
                  [&](std::array<int64_t, 2> off, int64_t n, std::array<int64_t, 2> st) {
                    T* o = po + off[0];
                    const T* x = pa + off[1];
                    if (st[0] == 1 && st[1] == 1) {
                      simd_for(0, n, [&](int64_t i) { o[i] = f(x[i]); });
                    } else {
                      for (int64_t i = 0; i < n; ++i) o[i * st[0]] = f(x[i * st[1]]);
                    }
                  });
}

// out[i] = f(a[i], b[i]) with a and b broadcast to out's shape.
template <class T, class F>
void map_binary(const Tensor& a, const Tensor& b, const Tensor& out, F f) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* po = out.data<T>();
  const Shape& s = out.shape();
  for_each_row<3>(s,
                  {out.strides(), broadcast_strides(a.shape(), a.strides(), s),
                   broadcast_strides(b.shape(), b.strides(), s)},
                  [&](std::array<int64_t, 3> off, int64_t n, std::array<int64_t, 3> st) {
                    T* o = po + off[0];
                    const T* x = pa + off[1];
                    const T* y = pb + off[2];
                    if (st[0] == 1 && st[1] == 1 && st[2] == 1) {
                      simd_for(0, n, [&](int64_t i) { o[i] = f(x[i], y[i]); });
                    } else if (st[0] == 1 && st[1] == 1 && st[2] == 0) {
                      const T yv = *y;
                      simd_for(0, n, [&](int64_t i) { o[i] = f(x[i], yv); });
                    } else if (st[0] == 1 && st[1] == 0 && st[2] == 1) {
                      const T xv = *x;
                      simd_for(0, n, [&](int64_t i) { o[i] = f(xv, y[i]); });
                    } else {
                      for (int64_t i = 0; i < n; ++i) o[i * st[0]] = f(x[i * st[1]], y[i * st[2]]);
                    }
                  });
}

// out[i] = f(a[i], b[i], c[i]) with broadcasting (for where, clamp backward, fused updates).
template <class T, class F>
void map_ternary(const Tensor& a, const Tensor& b, const Tensor& c, const Tensor& out, F f) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  const T* pc = c.data<T>();
  T* po = out.data<T>();
  const Shape& s = out.shape();
  for_each_row<4>(s,
                  {out.strides(), broadcast_strides(a.shape(), a.strides(), s),
                   broadcast_strides(b.shape(), b.strides(), s), broadcast_strides(c.shape(), c.strides(), s)},
                  [&](std::array<int64_t, 4> off, int64_t n, std::array<int64_t, 4> st) {
                    T* o = po + off[0];
                    const T* x = pa + off[1];
                    const T* y = pb + off[2];
                    const T* z = pc + off[3];
                    if (st[0] == 1 && st[1] == 1 && st[2] == 1 && st[3] == 1) {
                      simd_for(0, n, [&](int64_t i) { o[i] = f(x[i], y[i], z[i]); });
                    } else {
                      for (int64_t i = 0; i < n; ++i) o[i * st[0]] = f(x[i * st[1]], y[i * st[2]], z[i * st[3]]);
                    }
                  });
}

}  // namespace descent::kernels
