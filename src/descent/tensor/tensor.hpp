// Tensor: an n-dimensional float32, float64 or int64 array with shared, row-major storage.
// A Tensor is a handle (copying it shares the data, as in PyTorch); views (reshape,
// transpose, slices) share storage with their base. A tensor that requires grad records
// how it was computed (its grad_fn), so loss.backward() can send gradients back.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "descent/core/dtype.hpp"
#include "descent/core/error.hpp"
#include "descent/core/rng.hpp"
#include "descent/core/shape.hpp"

namespace descent {

struct Node;

// A 64-byte aligned buffer, shared by a tensor and its views.
class Storage {
 public:
  explicit Storage(std::size_t nbytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  void* data() const { return data_; }
  std::size_t nbytes() const { return nbytes_; }
  // The version counter (torch's tensor._version): bumped by every in-place op on the storage
  // or a view of it, so backward can tell that a tensor it saved was modified since.
  uint64_t version() const { return version_; }
  void bump_version() { ++version_; }

 private:
  void* data_ = nullptr;
  std::size_t nbytes_ = 0;
  uint64_t version_ = 0;
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // in elements
  Shape shape;
  Shape strides;  // in elements
  DType dtype = DType::f32;

  bool requires_grad = false;
  bool retains_grad = false;         // a non-leaf that keeps its .grad (retain_grad())
  std::shared_ptr<TensorImpl> grad;  // .grad of a leaf (or retained non-leaf)
  std::shared_ptr<Node> grad_fn;     // the op that produced this tensor, if recorded
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- creation ----
  static Tensor empty(const Shape& shape, DType dtype = DType::f32);
  static Tensor zeros(const Shape& shape, DType dtype = DType::f32);
  static Tensor ones(const Shape& shape, DType dtype = DType::f32);
  static Tensor full(const Shape& shape, double value, DType dtype = DType::f32);
  static Tensor scalar(double value, DType dtype = DType::f32);  // 0-dim
  static Tensor arange(double start, double end, double step = 1.0, DType dtype = DType::f32);
  static Tensor arange(int64_t n, DType dtype = DType::f32) { return arange(0.0, static_cast<double>(n), 1.0, dtype); }
  // Copies values (converted to dtype) into a new tensor of the given shape.
  static Tensor from_data(std::span<const double> values, const Shape& shape, DType dtype = DType::f32);
  static Tensor from_data(std::span<const float> values, const Shape& shape, DType dtype = DType::f32);
  // Integers (class targets, indices) default to int64: from_data(std::vector<int64_t>{2, 0}, {2}).
  static Tensor from_data(std::span<const int64_t> values, const Shape& shape, DType dtype = DType::i64);
  static Tensor from_data(std::initializer_list<double> values, const Shape& shape, DType dtype = DType::f32) {
    return from_data(std::span<const double>(values.begin(), values.size()), shape, dtype);
  }
  // U(lo, hi) and N(mean, std^2) from `gen` (the default generator when null).
  static Tensor uniform(const Shape& shape, double lo = 0.0, double hi = 1.0, DType dtype = DType::f32,
                        Generator* gen = nullptr);
  static Tensor normal(const Shape& shape, double mean = 0.0, double std = 1.0, DType dtype = DType::f32,
                       Generator* gen = nullptr);
  static Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }
  static Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.dtype()); }
  static Tensor empty_like(const Tensor& t) { return empty(t.shape(), t.dtype()); }

  // ---- properties ----
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  const Shape& strides() const { return impl().strides; }
  int dim() const { return impl().shape.rank(); }
  int64_t size(int dim) const;
  int64_t numel() const { return impl().shape.numel(); }
  DType dtype() const { return impl().dtype; }
  int64_t offset() const { return impl().offset; }
  bool is_contiguous() const;
  bool is_same(const Tensor& other) const { return impl_ == other.impl_; }
  bool shares_storage(const Tensor& other) const { return impl().storage == other.impl().storage; }

  // Pointer to the first element; throws if T does not match the dtype.
  template <class T>
  T* data() const {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, int64_t>);
    check_dtype(dtype_of<T>);
    return static_cast<T*>(impl().storage->data()) + impl().offset;
  }
  double item() const;  // the value of a one-element tensor
  template <class T>
  T item() const {  // same, as T (torch's item<T>()); exact for an int64 tensor read as an integer
    if constexpr (std::is_integral_v<T>)
      if (dtype() == DType::i64) return static_cast<T>(int64_values().front());
    return static_cast<T>(item());
  }
  double at(std::initializer_list<int64_t> index) const;
  std::vector<double> to_vector() const;  // all values in row-major order
  template <class T>
  std::vector<T> values() const {  // same, as T (exact for an int64 tensor read as integers)
    if constexpr (std::is_integral_v<T>)
      if (dtype() == DType::i64) {
        std::vector<int64_t> v = int64_values();
        return std::vector<T>(v.begin(), v.end());
      }
    std::vector<double> v = to_vector();
    return std::vector<T>(v.begin(), v.end());
  }
  std::vector<int64_t> int64_values() const;  // an int64 tensor's values in row-major order

  // ---- autograd ----
  bool requires_grad() const { return impl().requires_grad; }
  Tensor& requires_grad_(bool enabled = true);
  bool is_leaf() const { return impl().grad_fn == nullptr; }
  Tensor grad() const;  // undefined until a backward reaches it
  void set_grad(const Tensor& g);
  void zero_grad();  // drops .grad (as set_to_none=True)
  const std::shared_ptr<Node>& grad_fn() const { return impl().grad_fn; }
  void retain_grad();
  // Backpropagates from this tensor. A non-scalar needs an explicit gradient of its shape.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;
  Tensor detach() const;     // same data, no history
  uint64_t version() const;  // the storage's version counter (torch's _version)

  // ---- views and copies (differentiable; defined in ops/shape.cpp) ----
  Tensor reshape(const Shape& shape) const;  // a view when possible, else a copy; one dim may be -1
  Tensor view(const Shape& shape) const;     // a view, or throws
  Tensor flatten(int start_dim = 0, int end_dim = -1) const;
  Tensor transpose(int dim0, int dim1) const;
  Tensor t() const;  // transpose of a 2-D tensor
  Tensor permute(std::initializer_list<int> dims) const;
  Tensor unsqueeze(int dim) const;
  Tensor squeeze(int dim) const;
  Tensor expand(const Shape& shape) const;                                    // broadcast view (-1 keeps a dim)
  Tensor slice(int dim, int64_t start, int64_t end, int64_t step = 1) const;  // a view
  Tensor narrow(int dim, int64_t start, int64_t length) const;                // a view of length elements from start
  Tensor select(int dim, int64_t index) const;                                // a view without that dim
  Tensor contiguous() const;                                                  // itself if contiguous, else a copy
  Tensor clone() const;                                                       // a contiguous copy
  Tensor to(DType dtype) const;  // converted copy (itself if same dtype); to int64 truncates toward zero

  // ---- reductions and math as methods (defined in ops/) ----
  Tensor sum() const;
  Tensor sum(int dim, bool keepdim = false) const;
  Tensor sum(std::initializer_list<int> dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(int dim, bool keepdim = false) const;
  Tensor mean(std::initializer_list<int> dims, bool keepdim = false) const;
  Tensor max() const;
  Tensor max(int dim, bool keepdim = false) const;
  Tensor argmax(int dim, bool keepdim = false) const;  // int64 indices
  Tensor argmin(int dim, bool keepdim = false) const;
  Tensor pow(double exponent) const;
  Tensor square() const;
  Tensor sqrt() const;
  Tensor exp() const;
  Tensor log() const;
  Tensor abs() const;
  Tensor clamp(std::optional<double> min, std::optional<double> max = std::nullopt) const;
  Tensor clamp_min(double min) const;
  Tensor clamp_max(double max) const;
  Tensor matmul(const Tensor& other) const;
  Tensor relu() const;
  Tensor sigmoid() const;
  Tensor tanh() const;
  Tensor softmax(int dim) const;
  Tensor log_softmax(int dim) const;

  // ---- in place, outside autograd (what optimizers and initializers use) ----
  // Refused on a leaf that requires grad while grad mode is on, as in PyTorch.
  Tensor& zero_();
  Tensor& fill_(double value);
  Tensor& copy_(const Tensor& src);  // src is broadcast to this shape
  Tensor& add_(const Tensor& other, double alpha = 1.0);
  Tensor& mul_(double factor);
  Tensor& uniform_(double lo, double hi, Generator* gen = nullptr);
  Tensor& normal_(double mean, double std, Generator* gen = nullptr);

  std::string str() const;  // readable printing, as torch's repr
  TensorImpl& impl() const {
    if (!impl_) throw Error("use of an undefined tensor");
    return *impl_;
  }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  void check_dtype(DType expected) const;
  void begin_inplace(const char* op) const;
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// ---- factories as free functions, as torch::zeros, torch::randn, ... ----
inline Tensor empty(const Shape& shape, DType dtype = DType::f32) { return Tensor::empty(shape, dtype); }
inline Tensor zeros(const Shape& shape, DType dtype = DType::f32) { return Tensor::zeros(shape, dtype); }
inline Tensor ones(const Shape& shape, DType dtype = DType::f32) { return Tensor::ones(shape, dtype); }
inline Tensor full(const Shape& shape, double value, DType dtype = DType::f32) {
  return Tensor::full(shape, value, dtype);
}
inline Tensor arange(int64_t end, DType dtype = DType::f32) { return Tensor::arange(end, dtype); }
inline Tensor arange(double start, double end, double step = 1.0, DType dtype = DType::f32) {
  return Tensor::arange(start, end, step, dtype);
}
// U(0, 1) and N(0, 1) from `gen` (the default generator when null), as torch.rand and torch.randn.
inline Tensor rand(const Shape& shape, DType dtype = DType::f32, Generator* gen = nullptr) {
  return Tensor::uniform(shape, 0.0, 1.0, dtype, gen);
}
inline Tensor randn(const Shape& shape, DType dtype = DType::f32, Generator* gen = nullptr) {
  return Tensor::normal(shape, 0.0, 1.0, dtype, gen);
}
inline Tensor empty_like(const Tensor& t) { return Tensor::empty_like(t); }
inline Tensor zeros_like(const Tensor& t) { return Tensor::zeros_like(t); }
inline Tensor ones_like(const Tensor& t) { return Tensor::ones_like(t); }
inline Tensor full_like(const Tensor& t, double value) { return Tensor::full(t.shape(), value, t.dtype()); }
inline Tensor rand_like(const Tensor& t, Generator* gen = nullptr) { return rand(t.shape(), t.dtype(), gen); }
inline Tensor randn_like(const Tensor& t, Generator* gen = nullptr) { return randn(t.shape(), t.dtype(), gen); }

// A new tensor sharing `base`'s storage with the given geometry (no autograd record).
Tensor make_view(const Tensor& base, const Shape& shape, const Shape& strides, int64_t offset);

}  // namespace descent
