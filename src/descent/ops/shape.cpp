// Views and copies: reshape, transpose, permute, expand, slices, concat, stack. A view
// shares storage; its backward routes the gradient back through the inverse geometry.
#include <numeric>

#include "descent/ops/ops.hpp"
#include "descent/tensor/elementwise.hpp"
#include "descent/tensor/node.hpp"

namespace descent {
namespace {

// Resolves one -1 in a requested shape and checks the element count.
Shape infer_shape(const Shape& requested, int64_t numel, const Shape& from, const char* op) {
  Shape s = requested;
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < s.rank(); ++i) {
    if (s[i] == -1) {
      if (infer >= 0) throw ShapeError(std::string(op) + ": only one dim may be -1 in " + requested.str());
      infer = i;
    } else if (s[i] < 0) {
      throw ShapeError(std::string(op) + ": invalid size " + std::to_string(s[i]) + " in " + requested.str());
    } else {
      known *= s[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel % known != 0)
      throw ShapeError(std::string(op) + ": shape " + requested.str() + " is invalid for a tensor of shape " +
                       from.str() + " (" + std::to_string(numel) + " elements)");
    s[infer] = numel / known;
  }
  if (s.numel() != numel)
    throw ShapeError(std::string(op) + ": shape " + requested.str() + " is invalid for a tensor of shape " +
                     from.str() + " (" + std::to_string(numel) + " elements)");
  return s;
}

Tensor view_as(const Tensor& a, const Shape& shape, const Shape& strides, int64_t offset, const char* name,
               Node::BackwardFn backward) {
  Tensor out = make_view(a, shape, strides, offset);
  if (!any_requires_grad({a})) return out;
  return record(out, name, {a}, std::move(backward));
}

}  // namespace

Tensor Tensor::view(const Shape& requested) const {
  const Shape s = infer_shape(requested, numel(), shape(), "view");
  if (!is_contiguous())
    throw ShapeError("view: tensor of shape " + shape().str() +
                     " is not contiguous; use reshape() (which copies) or contiguous() first");
  return view_as(*this, s, contiguous_strides(s), offset(), "view",
                 [in = shape()](Node& n, const Tensor& g) { n.accumulate(0, g.reshape(in)); });
}

Tensor Tensor::reshape(const Shape& requested) const {
  const Shape s = infer_shape(requested, numel(), shape(), "reshape");
  if (s == shape()) return *this;
  return is_contiguous() ? view(s) : contiguous().view(s);
}

Tensor Tensor::flatten(int start_dim, int end_dim) const {
  if (dim() == 0) return reshape(Shape{1});
  const int s = normalize_dim(start_dim, dim(), "flatten"), e = normalize_dim(end_dim, dim(), "flatten");
  if (s > e)
    throw ShapeError("flatten: start_dim " + std::to_string(start_dim) + " comes after end_dim " +
                     std::to_string(end_dim));
  Shape out;
  for (int i = 0; i < s; ++i) out.push_back(shape()[i]);
  int64_t merged = 1;
  for (int i = s; i <= e; ++i) merged *= shape()[i];
  out.push_back(merged);
  for (int i = e + 1; i < dim(); ++i) out.push_back(shape()[i]);
  return reshape(out);
}

Tensor Tensor::transpose(int dim0, int dim1) const {
  if (dim() == 0) return *this;
  const int a = normalize_dim(dim0, dim(), "transpose"), b = normalize_dim(dim1, dim(), "transpose");
  Shape s = shape(), st = strides();
  std::swap(s[a], s[b]);
  std::swap(st[a], st[b]);
  return view_as(*this, s, st, offset(), "transpose",
                 [a, b](Node& n, const Tensor& g) { n.accumulate(0, g.transpose(a, b)); });
}

Tensor Tensor::t() const {
  if (dim() > 2) throw ShapeError("t: expects a tensor with <= 2 dims, got shape " + shape().str());
  return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::permute(std::initializer_list<int> dims) const {
  if (static_cast<int>(dims.size()) != dim())
    throw ShapeError("permute: " + std::to_string(dims.size()) + " dims given for a tensor of shape " + shape().str());
  std::vector<int> perm, inverse(static_cast<std::size_t>(dim()), -1);
  Shape s, st;
  for (int d : dims) {
    const int nd = normalize_dim(d, dim(), "permute");
    if (inverse[static_cast<std::size_t>(nd)] >= 0) throw ShapeError("permute: dim " + std::to_string(d) + " repeated");
    inverse[static_cast<std::size_t>(nd)] = static_cast<int>(perm.size());
    perm.push_back(nd);
    s.push_back(shape()[nd]);
    st.push_back(strides()[nd]);
  }
  return view_as(*this, s, st, offset(), "permute", [inverse](Node& n, const Tensor& g) {
    Shape s2, st2;
    for (int d : inverse) {
      s2.push_back(g.shape()[d]);
      st2.push_back(g.strides()[d]);
    }
    n.accumulate(0, make_view(g, s2, st2, g.offset()));
  });
}

Tensor Tensor::unsqueeze(int d) const {
  const int nd = normalize_dim(d, dim() + 1, "unsqueeze");
  Shape s = shape(), st = strides();
  s.insert(nd, 1);
  st.insert(nd, nd < dim() ? strides()[nd] * shape()[nd] : 1);
  return view_as(*this, s, st, offset(), "unsqueeze",
                 [in = shape()](Node& n, const Tensor& g) { n.accumulate(0, g.reshape(in)); });
}

Tensor Tensor::squeeze(int d) const {
  if (dim() == 0) return *this;
  const int nd = normalize_dim(d, dim(), "squeeze");
  if (shape()[nd] != 1) return *this;  // as torch: squeezing a dim of size > 1 is a no-op
  Shape s = shape(), st = strides();
  s.erase(nd);
  st.erase(nd);
  return view_as(*this, s, st, offset(), "squeeze",
                 [in = shape()](Node& n, const Tensor& g) { n.accumulate(0, g.reshape(in)); });
}

Tensor Tensor::expand(const Shape& requested) const {
  if (requested.rank() < dim())
    throw ShapeError("expand: cannot expand shape " + shape().str() + " to fewer dims " + requested.str());
  Shape s, st;
  const int pad = requested.rank() - dim();
  for (int i = 0; i < requested.rank(); ++i) {
    const int j = i - pad;
    const int64_t want = requested[i];
    if (want < -1) throw ShapeError("expand: invalid size " + std::to_string(want) + " in " + requested.str());
    if (j < 0) {
      if (want < 0) throw ShapeError("expand: -1 is not allowed for a new leading dim in " + requested.str());
      s.push_back(want);
      st.push_back(0);
    } else if (want == -1 || want == shape()[j]) {
      s.push_back(shape()[j]);
      st.push_back(strides()[j]);
    } else if (shape()[j] == 1) {
      s.push_back(want);
      st.push_back(0);
    } else {
      throw ShapeError("expand: shape " + shape().str() + " cannot be expanded to " + requested.str() + " (dim " +
                       std::to_string(i) + ": " + std::to_string(shape()[j]) + " vs " + std::to_string(want) + ")");
    }
  }
  if (s == shape()) return *this;
  // Backward: Node::accumulate sums the expanded dims back.
  return view_as(*this, s, st, offset(), "expand", [](Node& n, const Tensor& g) { n.accumulate(0, g); });
}

Tensor Tensor::slice(int d, int64_t start, int64_t end, int64_t step) const {
  if (dim() == 0) throw ShapeError("slice: cannot slice a 0-dim tensor");
  const int nd = normalize_dim(d, dim(), "slice");
  if (step <= 0) throw ShapeError("slice: step must be positive, got " + std::to_string(step));
  const int64_t size = shape()[nd];
  if (start < 0) start += size;
  if (end < 0) end += size;
  start = std::clamp<int64_t>(start, 0, size);
  end = std::clamp<int64_t>(end, start, size);
  Shape s = shape(), st = strides();
  s[nd] = (end - start + step - 1) / step;
  st[nd] = strides()[nd] * step;
  return view_as(*this, s, st, offset() + start * strides()[nd], "slice",
                 [in = shape(), nd, start, end, step](Node& n, const Tensor& g) {
                   Tensor full = Tensor::zeros(in, g.dtype());
                   full.slice(nd, start, end, step).copy_(g);
                   n.accumulate(0, full);
                 });
}

Tensor Tensor::narrow(int d, int64_t start, int64_t length) const {
  if (dim() == 0) throw ShapeError("narrow: cannot narrow a 0-dim tensor");
  const int nd = normalize_dim(d, dim(), "narrow");
  const int64_t size = shape()[nd];
  if (start < -size || start > size)
    throw ShapeError("narrow: start " + std::to_string(start) + " is out of range for dim " + std::to_string(d) +
                     " of size " + std::to_string(size));
  if (start < 0) start += size;
  if (length < 0 || start + length > size)
    throw ShapeError("narrow: start " + std::to_string(start) + " + length " + std::to_string(length) +
                     " exceeds dim " + std::to_string(d) + " of size " + std::to_string(size));
  return slice(nd, start, start + length);
}

Tensor Tensor::select(int d, int64_t index) const {
  if (dim() == 0) throw ShapeError("select: cannot select from a 0-dim tensor");
  const int nd = normalize_dim(d, dim(), "select");
  const int64_t size = shape()[nd];
  if (index < -size || index >= size)
    throw ShapeError("select: index " + std::to_string(index) + " is out of range for dim " + std::to_string(d) +
                     " of size " + std::to_string(size));
  if (index < 0) index += size;
  return slice(nd, index, index + 1).squeeze(nd);
}

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

Tensor Tensor::clone() const {
  Tensor out = Tensor::empty(shape(), dtype());
  dispatch_with_int64(dtype(), [&]<class T>() { kernels::map_unary<T>(*this, out, [](T x) { return x; }); });
  if (!any_requires_grad({*this})) return out;
  return record(out, "clone", {*this}, [](Node& n, const Tensor& g) { n.accumulate(0, g); });
}

Tensor Tensor::to(DType target) const {
  if (target == dtype()) return *this;
  Tensor out = Tensor::empty(shape(), target);
  const Tensor src = contiguous();
  dispatch_with_int64(dtype(), [&]<class S>() {
    dispatch_with_int64(target, [&]<class T>() {
      const S* p = src.data<S>();
      T* o = out.data<T>();
      for (int64_t i = 0; i < src.numel(); ++i) o[i] = static_cast<T>(p[i]);
    });
  });
  // As torch: static_cast truncates toward zero, and an int64 result has no gradient.
  if (!is_floating(target) || !any_requires_grad({*this})) return out;
  return record(out, "to", {*this}, [from = dtype()](Node& n, const Tensor& g) { n.accumulate(0, g.to(from)); });
}

Tensor concat(const std::vector<Tensor>& tensors, int dim) {
  if (tensors.empty()) throw ShapeError("concat: expects at least one tensor");
  const Tensor& first = tensors.front();
  for (std::size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].dim() == 0)
      throw ShapeError("concat: tensor " + std::to_string(i) + " has no dims; a 0-dim tensor cannot be concatenated");
  const int d = normalize_dim(dim, first.dim(), "concat");
  Shape out_shape = first.shape();
  out_shape[d] = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    check_same_dtype(first, t, "concat");
    bool fits = t.dim() == first.dim();
    for (int k = 0; fits && k < t.dim(); ++k) fits = k == d || t.shape()[k] == first.shape()[k];
    if (!fits)
      throw ShapeError("concat: tensor " + std::to_string(i) + " has shape " + t.shape().str() +
                       ", which does not match " + first.shape().str() + " except in dim " + std::to_string(dim));
    out_shape[d] += t.shape()[d];
  }
  Tensor out = Tensor::empty(out_shape, first.dtype());
  std::vector<int64_t> starts;
  int64_t pos = 0;
  {
    NoGradGuard guard;
    for (const Tensor& t : tensors) {
      starts.push_back(pos);
      out.slice(d, pos, pos + t.shape()[d]).copy_(t);
      pos += t.shape()[d];
    }
  }
  return record(out, "concat", tensors, [d, starts, sizes = [&] {
                  std::vector<int64_t> s;
                  for (const Tensor& t : tensors) s.push_back(t.shape()[d]);
                  return s;
                }()](Node& n, const Tensor& g) {
    for (std::size_t i = 0; i < n.inputs.size(); ++i)
      if (n.needs_grad(i)) n.accumulate(i, g.slice(d, starts[i], starts[i] + sizes[i]));
  });
}

Tensor stack(const std::vector<Tensor>& tensors, int dim) {
  if (tensors.empty()) throw ShapeError("stack: expects at least one tensor");
  const int d = normalize_dim(dim, tensors.front().dim() + 1, "stack");
  std::vector<Tensor> expanded;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    if (!(tensors[i].shape() == tensors.front().shape()))
      throw ShapeError("stack: tensor " + std::to_string(i) + " has shape " + tensors[i].shape().str() +
                       " but tensor 0 has " + tensors.front().shape().str() + "; stack needs equal shapes");
    expanded.push_back(tensors[i].unsqueeze(d));
  }
  return concat(expanded, d);
}

}  // namespace descent
