// Matrix products on BLAS. matmul follows torch.matmul: vectors are promoted to matrices
// and squeezed back, leading dims are batches and broadcast. linear is x W^T + b as one gemm
// (plain SIMD loops for batches of a few rows); its backward writes the gradients of leaf
// weights and biases (parameters) straight into their .grad buffers.
#include <algorithm>
#include <vector>

#include "descent/kernels/cpu_dispatch.hpp"
#include "descent/kernels/gemm.hpp"
#include "descent/kernels/small_batch.hpp"
#include "descent/kernels/strided.hpp"
#include "descent/ops/ops.hpp"
#include "descent/tensor/node.hpp"

namespace descent {

namespace {

// A 2-D view as BLAS sees it: a pointer, whether it is stored transposed, and its leading
// dimension. Views that are neither row- nor column-major are copied first.
struct MatrixView {
  Tensor storage;  // keeps the data alive (a copy when the view had to be made contiguous)
  bool transposed = false;
  int64_t ld = 1;
};

MatrixView as_matrix(const Tensor& t) {
  const int64_t rows = t.shape()[0], cols = t.shape()[1];
  const int64_t s0 = t.strides()[0], s1 = t.strides()[1];
  if ((s1 == 1 || cols == 1) && s0 >= std::max<int64_t>(cols, 1)) return {t, false, s0};
  if ((s0 == 1 || rows == 1) && s1 >= std::max<int64_t>(rows, 1)) return {t, true, s1};
  Tensor c = t.detach().clone();
  return {c, false, std::max<int64_t>(cols, 1)};
}

std::string shapes_do_not_align(const Tensor& a, const Tensor& b, int64_t ka, int64_t kb) {
  return "matmul: shapes " + a.shape().str() + " and " + b.shape().str() + " do not align (" + std::to_string(ka) +
         " != " + std::to_string(kb) + ")";
}

// (..., n, k) @ (..., k, m) -> (..., n, m), batch dims broadcast; no autograd.
Tensor batched_matmul(const Tensor& a, const Tensor& b) {
  const int ra = a.dim(), rb = b.dim();
  const int64_t n = a.shape()[ra - 2], k = a.shape()[ra - 1], m = b.shape()[rb - 1];
  if (b.shape()[rb - 2] != k) throw ShapeError(shapes_do_not_align(a, b, k, b.shape()[rb - 2]));
  Shape batch_a, batch_b;
  for (int i = 0; i < ra - 2; ++i) batch_a.push_back(a.shape()[i]);
  for (int i = 0; i < rb - 2; ++i) batch_b.push_back(b.shape()[i]);
  Shape batch;
  try {
    batch = broadcast_shapes(batch_a, batch_b, "matmul");
  } catch (const ShapeError&) {
    throw ShapeError("matmul: batch dims of shapes " + a.shape().str() + " and " + b.shape().str() +
                     " cannot be broadcast (" + batch_a.str() + " and " + batch_b.str() + ")");
  }
  Shape out_shape = batch;
  out_shape.push_back(n);
  out_shape.push_back(m);
  Tensor out = Tensor::empty(out_shape, a.dtype());
  Shape bsa, bsb;  // batch strides of a and b
  for (int i = 0; i < ra - 2; ++i) bsa.push_back(a.strides()[i]);
  for (int i = 0; i < rb - 2; ++i) bsb.push_back(b.strides()[i]);
  const Shape sa = kernels::broadcast_strides(batch_a, bsa, batch);
  const Shape sb = kernels::broadcast_strides(batch_b, bsb, batch);
  const int64_t batches = batch.numel();
  dispatch(a.dtype(), [&]<class T>() {
    T* po = out.data<T>();
    for (int64_t i = 0; i < batches; ++i) {
      int64_t rem = i, oa = a.offset(), ob = b.offset();
      for (int d = batch.rank() - 1; d >= 0; --d) {
        const int64_t idx = rem % batch[d];
        rem /= batch[d];
        oa += idx * sa[d];
        ob += idx * sb[d];
      }
      const Tensor ma = make_view(a, Shape{n, k}, Shape{a.strides()[ra - 2], a.strides()[ra - 1]}, oa);
      const Tensor mb = make_view(b, Shape{k, m}, Shape{b.strides()[rb - 2], b.strides()[rb - 1]}, ob);
      T* c = po + i * n * m;
      if (k == 0) {
        std::fill_n(c, n * m, T(0));
        continue;
      }
      const MatrixView va = as_matrix(ma), vb = as_matrix(mb);
      kernels::gemm<T>(va.transposed, vb.transposed, n, m, k, T(1), va.storage.data<T>(), va.ld, vb.storage.data<T>(),
                       vb.ld, T(0), c, std::max<int64_t>(m, 1));
    }
  });
  return out;
}

// Rows of a 2-D tensor are contiguous (unit stride along them).
bool unit_rows(const Tensor& m) { return m.dim() == 2 && (m.strides()[1] == 1 || m.shape()[1] <= 1); }

// linear's weight gradient g^T x written straight into the .grad of a leaf weight (a
// parameter), by one gemm: into a new buffer that becomes .grad (beta 0), or added to the
// existing contiguous .grad (beta 1), with no temporary and no copy. Returns false (nothing
// done) when the weight is not a leaf or its .grad is not a plain buffer of its shape.
bool weight_grad_into_leaf(const Tensor& weight, const Tensor& g, const Tensor& x) {
  if (weight.grad_fn()) return false;
  TensorImpl& leaf = weight.impl();
  const bool fresh = !leaf.grad;
  Tensor dst = fresh ? Tensor::empty(weight.shape(), weight.dtype()) : Tensor(leaf.grad);
  if (!fresh && (!dst.is_contiguous() || !(dst.shape() == weight.shape()) || dst.dtype() != weight.dtype()))
    return false;
  const int64_t out_features = weight.shape()[0], in = weight.shape()[1], batch = x.shape()[0];
  dispatch(weight.dtype(), [&]<class T>() {
    T* pd = dst.data<T>();
    if (batch == 0 || in == 0) {
      if (fresh) std::fill_n(pd, out_features * in, T(0));
      return;
    }
    if (batch <= kernels::kSmallBatch && unit_rows(g) && unit_rows(x)) {
      kernels::combine_rows<T>(g.data<T>(), 1, g.strides()[0], x.data<T>(), x.strides()[0], pd, out_features, batch, in,
                               !fresh);
      return;
    }
    const MatrixView vg = as_matrix(g.transpose(0, 1)), vx = as_matrix(x);
    kernels::gemm<T>(vg.transposed, vx.transposed, out_features, in, batch, T(1), vg.storage.data<T>(), vg.ld,
                     vx.storage.data<T>(), vx.ld, fresh ? T(0) : T(1), pd, std::max<int64_t>(in, 1));
  });
  if (fresh) leaf.grad = dst.impl_ptr();
  return true;
}

// linear's input gradient g w, (B, out) (out, in) -> (B, in); by combine_rows for a few rows.
Tensor input_grad(const Tensor& g, const Tensor& w) {
  const int64_t batch = g.shape()[0], out_features = w.shape()[0], in = w.shape()[1];
  if (batch > kernels::kSmallBatch || !unit_rows(g) || !unit_rows(w)) return batched_matmul(g, w);
  Tensor dx = Tensor::empty(Shape{batch, in}, g.dtype());
  dispatch(g.dtype(), [&]<class T>() {
    kernels::combine_rows<T>(g.data<T>(), g.strides()[0], 1, w.data<T>(), w.strides()[0], dx.data<T>(), batch,
                             out_features, in, false);
  });
  return dx;
}

// linear's bias gradient, the column sums of g (summed in double, row after row), written as
// the new .grad of a leaf bias that has none; false (nothing done) otherwise.
bool bias_grad_into_leaf(const Tensor& bias, const Tensor& g) {
  if (bias.grad_fn() || bias.impl().grad || !unit_rows(g)) return false;
  const int64_t rows = g.shape()[0], cols = g.shape()[1];
  Tensor db = Tensor::empty(Shape{cols}, bias.dtype());
  thread_local std::vector<double> acc;
  acc.assign(static_cast<std::size_t>(cols), 0.0);
  dispatch(g.dtype(), [&]<class T>() {
    const T* pg = g.data<T>();
    const int64_t ld = g.strides()[0];
    double* pa = acc.data();
    kernels::at_cpu_level([&]<kernels::CpuLevel>() {
      for (int64_t b = 0; b < rows; ++b)
#pragma omp simd
        for (int64_t o = 0; o < cols; ++o) pa[o] += static_cast<double>(pg[b * ld + o]);
    });
    T* pd = db.data<T>();
    for (int64_t o = 0; o < cols; ++o) pd[o] = static_cast<T>(acc[static_cast<std::size_t>(o)]);
  });
  bias.impl().grad = db.impl_ptr();
  return true;
}

}  // namespace

Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  check_same_dtype(a_in, b_in, "matmul");
  check_floating(a_in.dtype(), "matmul");
  if (a_in.dim() == 0 || b_in.dim() == 0)
    throw ShapeError("matmul: both operands need at least 1 dim, got shapes " + a_in.shape().str() + " and " +
                     b_in.shape().str());
  const int64_t ka = a_in.shape()[a_in.dim() - 1];
  const int64_t kb = b_in.dim() == 1 ? b_in.shape()[0] : b_in.shape()[b_in.dim() - 2];
  if (ka != kb) throw ShapeError(shapes_do_not_align(a_in, b_in, ka, kb));
  // Vectors become 1-row / 1-column matrices, squeezed out of the result.
  const Tensor a = a_in.dim() == 1 ? a_in.unsqueeze(0) : a_in;
  const Tensor b = b_in.dim() == 1 ? b_in.unsqueeze(1) : b_in;
  Tensor out = batched_matmul(a, b);
  if (any_requires_grad({a, b})) {
    out = record(out, "matmul", {a, b}, [a = a.detach(), b = b.detach()](Node& node, const Tensor& g) {
      // dA = g B^T, dB = A^T g; accumulate sums over broadcast batch dims.
      if (node.needs_grad(0)) node.accumulate(0, batched_matmul(g, b.transpose(-1, -2)));
      if (node.needs_grad(1)) node.accumulate(1, batched_matmul(a.transpose(-1, -2), g));
    });
  }
  if (b_in.dim() == 1) out = out.squeeze(-1);
  if (a_in.dim() == 1) out = out.squeeze(out.dim() == 1 ? 0 : -2);
  return out;
}

Tensor linear(const Tensor& x_in, const Tensor& weight, const Tensor& bias) {
  check_same_dtype(x_in, weight, "linear");
  check_floating(x_in.dtype(), "linear");
  if (weight.dim() != 2) throw ShapeError("linear: weight must be 2-D (out, in), got shape " + weight.shape().str());
  if (x_in.dim() == 0) throw ShapeError("linear: input must have at least 1 dim");
  const int64_t in = weight.shape()[1], out_features = weight.shape()[0];
  if (x_in.shape()[x_in.dim() - 1] != in)
    throw ShapeError("linear: input of shape " + x_in.shape().str() + " has " +
                     std::to_string(x_in.shape()[x_in.dim() - 1]) + " features but weight " + weight.shape().str() +
                     " expects " + std::to_string(in));
  if (bias.defined()) {
    check_same_dtype(x_in, bias, "linear");
    if (bias.dim() != 1 || bias.shape()[0] != out_features)
      throw ShapeError("linear: bias of shape " + bias.shape().str() + " does not match weight " +
                       weight.shape().str() + " (expected [" + std::to_string(out_features) + "])");
  }
  // Leading dims are batches: (*, in) -> (B, in).
  const Tensor x = x_in.dim() == 2 ? x_in : x_in.reshape(Shape{-1, in});
  const int64_t batch = x.shape()[0];
  Tensor y = Tensor::empty(Shape{batch, out_features}, x.dtype());
  dispatch(x.dtype(), [&]<class T>() {
    T* py = y.data<T>();
    T beta = T(0);
    if (bias.defined()) {  // start from the bias in every row, then y += x W^T
      const Tensor bc = bias.contiguous();
      const T* pb = bc.data<T>();
      for (int64_t r = 0; r < batch; ++r) std::copy_n(pb, out_features, py + r * out_features);
      beta = T(1);
    }
    if (in == 0) return;
    if (batch <= kernels::kSmallBatch && unit_rows(x) && unit_rows(weight)) {
      if (beta == T(0)) std::fill_n(py, batch * out_features, T(0));
      kernels::small_batch_times_weight<T>(x.data<T>(), x.strides()[0], weight.data<T>(), weight.strides()[0], py,
                                           batch, in, out_features);
      return;
    }
    const MatrixView vx = as_matrix(x), vw = as_matrix(weight);
    kernels::gemm<T>(vx.transposed, !vw.transposed, batch, out_features, in, T(1), vx.storage.data<T>(), vx.ld,
                     vw.storage.data<T>(), vw.ld, beta, py, std::max<int64_t>(out_features, 1));
  });
  if (any_requires_grad({x, weight, bias})) {
    y = record(y, "linear", {x, weight, bias}, [x = x.detach(), w = weight.detach()](Node& node, const Tensor& g) {
      if (node.needs_grad(0)) node.accumulate(0, input_grad(g, w));
      if (node.needs_grad(1) && !weight_grad_into_leaf(node.inputs[1], g, x))
        node.accumulate(1, batched_matmul(g.transpose(0, 1), x));  // (out, B) (B, in)
      if (node.needs_grad(2) && !bias_grad_into_leaf(node.inputs[2], g)) node.accumulate(2, sum(g, {0}));
    });
  }
  if (x_in.dim() != 2) {
    Shape s;
    for (int i = 0; i + 1 < x_in.dim(); ++i) s.push_back(x_in.shape()[i]);
    s.push_back(out_features);
    y = y.reshape(s);
  }
  return y;
}

Tensor Tensor::matmul(const Tensor& other) const { return descent::matmul(*this, other); }

}  // namespace descent
