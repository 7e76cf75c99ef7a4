// Indexing: index_select and gather (backward scatters the gradient back, adding where an
// index repeats), and one_hot. Index tensors are int64; the indexed tensor may be int64 too.

#include "descent/ops/ops.hpp"
#include "descent/tensor/node.hpp"

namespace descent {
namespace {

// Reads an int64 index tensor, checking each index is in [0, size) (torch's gather,
// index_select and one_hot refuse float indices too); `range` describes what the index runs
// over ("dim 1 of size 4 (input shape [3, 4])").
std::vector<int64_t> read_indices(const Tensor& index, int64_t size, const char* op, const std::string& range) {
  if (index.dtype() != DType::i64)
    throw ShapeError(std::string(op) + ": index must be an int64 tensor, got " +
                     std::string(dtype_name(index.dtype())) + "; convert it with .to(DType::i64)");
  std::vector<int64_t> out = index.int64_values();
  for (std::size_t i = 0; i < out.size(); ++i)
    if (out[i] < 0 || out[i] >= size)
      throw ShapeError(std::string(op) + ": index " + std::to_string(out[i]) + " at position " + std::to_string(i) +
                       " is out of range for " + range);
  return out;
}

std::string dim_range(const Tensor& a, int d) {
  return "dim " + std::to_string(d) + " of size " + std::to_string(a.shape()[d]) + " (input shape " + a.shape().str() +
         ")";
}

// Element offsets (in a contiguous tensor of `shape`) of all positions, row-major.
template <class F>
void for_each_index(const Shape& shape, F f) {
  const int64_t n = shape.numel();
  std::array<int64_t, kMaxDims> idx{};
  for (int64_t i = 0; i < n; ++i) {
    f(i, idx);
    for (int d = shape.rank() - 1; d >= 0; --d) {
      if (++idx[static_cast<std::size_t>(d)] < shape[d]) break;
      idx[static_cast<std::size_t>(d)] = 0;
    }
  }
}

// Calls f(i, offset) for each position i (row-major) of an index tensor of `index_shape`, with
// the offset, in a contiguous tensor of `strides`, of that position with dim d replaced by
// idx[i]: gather reads there, its backward adds there.
template <class F>
void for_each_indexed_offset(const Shape& index_shape, const Shape& strides, int d, const std::vector<int64_t>& idx,
                             F f) {
  for_each_index(index_shape, [&](int64_t i, const std::array<int64_t, kMaxDims>& pos) {
    int64_t offset = 0;
    for (int k = 0; k < index_shape.rank(); ++k)
      offset += (k == d ? idx[static_cast<std::size_t>(i)] : pos[static_cast<std::size_t>(k)]) * strides[k];
    f(i, offset);
  });
}

// move(source, target, i, offset) for each position i of the index (of `index_shape`), source
// being `from`'s elements and target out's: gather reads at the offset, its backward adds there.
template <class Move>
Tensor walk_index(const Tensor& from, Tensor out, const Shape& index_shape, const Shape& strides, int d,
                  const std::vector<int64_t>& idx, Move move) {
  dispatch_with_int64(from.dtype(), [&]<class T>() {
    const T* source = from.data<T>();
    T* target = out.data<T>();
    for_each_indexed_offset(index_shape, strides, d, idx,
                            [&](int64_t i, int64_t offset) { move(source, target, i, offset); });
  });
  return out;
}

// out (shape of index) = a at idx along d, idx being the flattened index tensor.
Tensor gather_impl(const Tensor& a_in, int d, const std::vector<int64_t>& idx, const Shape& index_shape) {
  const Tensor a = a_in.contiguous();
  return walk_index(a, Tensor::empty(index_shape, a.dtype()), index_shape, a.strides(), d, idx,
                    [](const auto* source, auto* target, int64_t i, int64_t offset) { target[i] = source[offset]; });
}

// The backward of gather: g (shape of index) added into zeros of `shape` at idx along d.
Tensor scatter_add_impl(const Tensor& g_in, int d, const std::vector<int64_t>& idx, const Shape& shape) {
  const Tensor g = g_in.contiguous();
  Tensor out = Tensor::zeros(shape, g.dtype());
  return walk_index(g, out, g.shape(), out.strides(), d, idx,
                    [](const auto* grad, auto* target, int64_t i, int64_t offset) { target[offset] += grad[i]; });
}

}  // namespace

Tensor gather(const Tensor& a, int dim, const Tensor& index) {
  if (a.dim() == 0) throw ShapeError("gather: input must have at least 1 dim, got shape []");
  const int d = normalize_dim(dim, a.dim(), "gather");
  if (index.dim() != a.dim())
    throw ShapeError("gather: index of shape " + index.shape().str() + " must have as many dims as input " +
                     a.shape().str());
  for (int k = 0; k < a.dim(); ++k)
    if (k != d && index.shape()[k] > a.shape()[k])
      throw ShapeError("gather: index of shape " + index.shape().str() + " is larger than input " + a.shape().str() +
                       " in dim " + std::to_string(k));
  const std::vector<int64_t> idx = read_indices(index, a.shape()[d], "gather", dim_range(a, d));
  Tensor out = gather_impl(a, d, idx, index.shape());
  if (!any_requires_grad({a})) return out;
  return record(out, "gather", {a}, [idx, d, shape = a.shape()](Node& n, const Tensor& g) {
    n.accumulate(0, scatter_add_impl(g, d, idx, shape));
  });
}

Tensor index_select(const Tensor& a, int dim, const Tensor& index) {
  if (a.dim() == 0) throw ShapeError("index_select: input must have at least 1 dim, got shape []");
  const int d = normalize_dim(dim, a.dim(), "index_select");
  if (index.dim() != 1) throw ShapeError("index_select: index must be 1-D, got shape " + index.shape().str());
  const std::vector<int64_t> picks = read_indices(index, a.shape()[d], "index_select", dim_range(a, d));
  // As a gather whose index repeats each pick across the other dims.
  Shape out_shape = a.shape();
  out_shape[d] = index.numel();
  std::vector<int64_t> idx(static_cast<std::size_t>(out_shape.numel()));
  for_each_index(out_shape, [&](int64_t i, const std::array<int64_t, kMaxDims>& pos) {
    idx[static_cast<std::size_t>(i)] = picks[static_cast<std::size_t>(pos[static_cast<std::size_t>(d)])];
  });
  Tensor out = gather_impl(a, d, idx, out_shape);
  if (!any_requires_grad({a})) return out;
  return record(out, "index_select", {a}, [idx, d, shape = a.shape()](Node& n, const Tensor& g) {
    n.accumulate(0, scatter_add_impl(g, d, idx, shape));
  });
}

Tensor one_hot(const Tensor& indices, int64_t num_classes, DType dtype) {
  if (num_classes <= 0) throw ValueError("one_hot: num_classes must be positive, got " + std::to_string(num_classes));
  const std::vector<int64_t> idx =
      read_indices(indices, num_classes, "one_hot", std::to_string(num_classes) + " classes");
  Shape s = indices.shape();
  s.push_back(num_classes);
  Tensor out = Tensor::zeros(s, dtype);
  dispatch_with_int64(dtype, [&]<class T>() {
    T* o = out.data<T>();
    for (std::size_t i = 0; i < idx.size(); ++i) o[static_cast<int64_t>(i) * num_classes + idx[i]] = T(1);
  });
  return out;
}

}  // namespace descent
