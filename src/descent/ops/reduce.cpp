// Reductions: sum, mean, max, min, argmax, argmin, over all elements or given dims. Sums of
// float32 accumulate in double (kernels/reduce.hpp), so a 10M-element sum is exact to
// float32 rounding.
#include <algorithm>
#include <limits>
#include <tuple>

#include "descent/ops/ops.hpp"
#include "descent/tensor/node.hpp"
#include "descent/tensor/sum_reduced.hpp"

namespace descent {
namespace {

struct Reduction {
  Shape keep_shape;  // input shape with reduced dims set to 1 (keepdim result)
  Shape out_shape;   // result shape (keepdim or not)
  std::vector<bool> reduced;
};

Reduction plan(const Tensor& a, std::vector<int> dims, bool keepdim, const char* op) {
  Reduction r;
  r.reduced.assign(static_cast<std::size_t>(a.dim()), false);
  if (dims.empty())
    for (int d = 0; d < a.dim(); ++d) dims.push_back(d);
  for (int d : dims) {
    const int nd = normalize_dim(d, a.dim(), op);
    if (a.dim() == 0) continue;
    if (r.reduced[static_cast<std::size_t>(nd)])
      throw ShapeError(std::string(op) + ": dim " + std::to_string(d) + " appears more than once");
    r.reduced[static_cast<std::size_t>(nd)] = true;
  }
  for (int d = 0; d < a.dim(); ++d) {
    const bool red = r.reduced[static_cast<std::size_t>(d)];
    r.keep_shape.push_back(red ? 1 : a.shape()[d]);
    if (!red || keepdim) r.out_shape.push_back(red ? 1 : a.shape()[d]);
  }
  return r;
}

// A view of `a` (no autograd record) with dim d moved last and the other dims in order,
// so its rows enumerate the kept dims in row-major order, as the reduced result does.
Tensor move_to_last(const Tensor& a, int d) {
  Shape shape, strides;
  for (int i = 0; i < a.dim(); ++i)
    if (i != d) {
      shape.push_back(a.shape()[i]);
      strides.push_back(a.strides()[i]);
    }
  shape.push_back(a.shape()[d]);
  strides.push_back(a.strides()[d]);
  return make_view(a, shape, strides, a.offset());
}

// Reduces along one dim with `better` choosing the winner (the first on ties, as torch);
// returns values and int64 indices, both of the input's shape without dim d. Takes int64 input.
template <class Better>
std::pair<Tensor, Tensor> select_along(const Tensor& a, int dim, Better better, const char* op) {
  const int d = normalize_dim(dim, a.dim(), op);
  // As torch: the reduced dim must have elements; other dims may be empty (an empty result).
  if (a.dim() > 0 && a.shape()[d] == 0)
    throw ShapeError(std::string(op) + ": cannot reduce dim " + std::to_string(d) + " of size 0 (shape " +
                     a.shape().str() + ")");
  const Tensor moved = a.dim() == 0 ? a.detach().reshape(Shape{1}) : move_to_last(a, d).contiguous();
  const int64_t n = moved.shape()[moved.dim() - 1];
  const int64_t rows = moved.numel() / n;
  Tensor values = Tensor::empty(Shape{rows}, a.dtype());
  Tensor indices = Tensor::empty(Shape{rows}, DType::i64);
  dispatch_with_int64(a.dtype(), [&]<class T>() {
    const T* p = moved.data<T>();
    T* v = values.data<T>();
    int64_t* ix = indices.data<int64_t>();
    for (int64_t r = 0; r < rows; ++r) {
      const T* row = p + r * n;
      int64_t best = 0;
      for (int64_t k = 1; k < n; ++k) {
        if (row[best] != row[best]) break;  // a NaN wins and stays, as in torch
        if (better(row[k], row[best]) || row[k] != row[k]) best = k;
      }
      v[r] = row[best];
      ix[r] = best;
    }
  });
  Shape kept;
  for (int i = 0; i < a.dim(); ++i)
    if (i != d) kept.push_back(a.shape()[i]);
  return {values.reshape(kept), indices.reshape(kept)};
}

// Scatters g (the input's shape without dim d) into zeros of `shape` at the given indices along d.
Tensor scatter_along(const Tensor& g, const Tensor& indices, const Shape& shape, int d) {
  Tensor out = Tensor::zeros(shape, g.dtype());
  if (shape.rank() == 0) return g.reshape(shape).clone();
  const Tensor moved = move_to_last(out, d);  // a view into out
  const Tensor gc = g.contiguous();
  const Tensor ic = indices.contiguous();
  dispatch(g.dtype(), [&]<class T>() {
    const T* gp = gc.data<T>();
    const int64_t* ip = ic.data<int64_t>();
    T* op = out.data<T>();
    const Shape& ms = moved.shape();
    const Shape& st = moved.strides();
    const int rank = ms.rank();
    const int64_t rows = gc.numel();
    for (int64_t r = 0; r < rows; ++r) {
      int64_t rem = r, off = 0;
      for (int i = rank - 2; i >= 0; --i) {
        off += (rem % ms[i]) * st[i];
        rem /= ms[i];
      }
      off += ip[r] * st[rank - 1];
      op[off] += gp[r];
    }
  });
  return out;
}

// torch.max(a, dim) and torch.min(a, dim)'s values, `better` choosing the winner; the gradient
// goes to the chosen element of each row.
template <class Better>
Tensor extreme_along(const Tensor& a, int dim, bool keepdim, Better better, const char* op) {
  Tensor values, indices;  // no structured binding: clang 14 cannot capture one
  std::tie(values, indices) = select_along(a, dim, better, op);
  const int d = a.dim() == 0 ? 0 : normalize_dim(dim, a.dim(), op);
  if (keepdim && a.dim() > 0) values = values.unsqueeze(d);
  if (!any_requires_grad({a})) return values;
  return record(values, op, {a}, [indices, d, keepdim, shape = a.shape()](Node& n, const Tensor& g) {
    n.accumulate(0, scatter_along(keepdim && shape.rank() > 0 ? g.squeeze(d) : g, indices, shape, d));
  });
}

}  // namespace

Tensor sum(const Tensor& a) { return sum(a, {}, false); }

Tensor sum(const Tensor& a, std::vector<int> dims, bool keepdim) {
  const Reduction r = plan(a, std::move(dims), keepdim, "sum");
  Tensor out = sum_reduced(a, r.reduced, r.keep_shape).reshape(r.out_shape);
  if (!any_requires_grad({a})) return out;
  return record(out, "sum", {a}, [keep = r.keep_shape, in = a.shape()](Node& n, const Tensor& g) {
    n.accumulate(0, g.reshape(keep).expand(in));
  });
}

Tensor mean(const Tensor& a) { return mean(a, {}, false); }

Tensor mean(const Tensor& a, std::vector<int> dims, bool keepdim) {
  if (a.dtype() == DType::i64)
    throw ShapeError("mean: an int64 tensor has no mean (torch refuses it too); convert with .to(DType::f32) first");
  const Reduction r = plan(a, std::move(dims), keepdim, "mean");
  const int64_t count = a.numel() / std::max<int64_t>(r.keep_shape.numel(), 1);
  return mul(sum(
                 a,
                 [&] {
                   std::vector<int> d;
                   for (int i = 0; i < a.dim(); ++i)
                     if (r.reduced[static_cast<std::size_t>(i)]) d.push_back(i);
                   return d;
                 }(),
                 keepdim),
             1.0 / static_cast<double>(count));
}

Tensor max(const Tensor& a) {
  if (a.numel() == 0) throw ShapeError("max: cannot reduce an empty tensor of shape " + a.shape().str());
  const Tensor flat = a.reshape(Shape{a.numel()});
  auto [value, index] = select_along(
      flat, 0, [](auto x, auto y) { return x > y; }, "max");
  Tensor out = value.reshape(Shape{});
  if (!any_requires_grad({a})) return out;
  // torch: the gradient of a full max is split evenly among all elements equal to it.
  return record(out, "max", {a}, [a = a.detach(), out = out.detach()](Node& n, const Tensor& g) {
    const Tensor mask = eq(a, out.expand(a.shape()));
    n.accumulate(0, mul(mask, div(g, sum(mask))));
  });
}

Tensor max(const Tensor& a, int dim, bool keepdim) {
  return extreme_along(
      a, dim, keepdim, [](auto x, auto y) { return x > y; }, "max");
}

Tensor min(const Tensor& a, int dim, bool keepdim) {
  return extreme_along(
      a, dim, keepdim, [](auto x, auto y) { return x < y; }, "min");
}

namespace {

// The int64 indices of select_along, with the reduced dim kept as 1 when keepdim.
template <class Better>
Tensor arg_along(const Tensor& a, int dim, bool keepdim, Better better, const char* op) {
  Tensor indices = select_along(a, dim, better, op).second;
  if (keepdim && a.dim() > 0) indices = indices.unsqueeze(normalize_dim(dim, a.dim(), op));
  return indices;
}

}  // namespace

Tensor argmax(const Tensor& a, int dim, bool keepdim) {
  return arg_along(
      a, dim, keepdim, [](auto x, auto y) { return x > y; }, "argmax");
}

Tensor argmin(const Tensor& a, int dim, bool keepdim) {
  return arg_along(
      a, dim, keepdim, [](auto x, auto y) { return x < y; }, "argmin");
}

// ---- Tensor methods ----
Tensor Tensor::sum() const { return descent::sum(*this); }
Tensor Tensor::sum(std::initializer_list<int> dims, bool keepdim) const { return descent::sum(*this, dims, keepdim); }
Tensor Tensor::sum(int dim, bool keepdim) const { return descent::sum(*this, {dim}, keepdim); }
Tensor Tensor::mean() const { return descent::mean(*this); }
Tensor Tensor::mean(int dim, bool keepdim) const { return descent::mean(*this, {dim}, keepdim); }
Tensor Tensor::mean(std::initializer_list<int> dims, bool keepdim) const { return descent::mean(*this, dims, keepdim); }
Tensor Tensor::max() const { return descent::max(*this); }
Tensor Tensor::max(int dim, bool keepdim) const { return descent::max(*this, dim, keepdim); }
Tensor Tensor::argmax(int dim, bool keepdim) const { return descent::argmax(*this, dim, keepdim); }
Tensor Tensor::argmin(int dim, bool keepdim) const { return descent::argmin(*this, dim, keepdim); }

}  // namespace descent
