// Tensor creation, element access, in-place updates and printing. Differentiable ops live
// in ops/; the backward walk in autograd/.
#include "descent/tensor/tensor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "descent/core/allocator.hpp"
#include "descent/tensor/elementwise.hpp"
#include "descent/tensor/grad_mode.hpp"
#include "descent/tensor/node.hpp"

namespace descent {

// ---------------------------------------------------------------- storage

Storage::Storage(std::size_t nbytes) : data_(allocate_storage(nbytes)), nbytes_(nbytes) {}

Storage::~Storage() { free_storage(data_, nbytes_); }

// ---------------------------------------------------------------- creation

Tensor Tensor::empty(const Shape& shape, DType dtype) {
  for (int64_t d : shape)
    if (d < 0) throw ShapeError("empty: negative size in shape " + shape.str());
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(static_cast<std::size_t>(shape.numel()) * dtype_size(dtype));
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  std::memset(t.impl().storage->data(), 0, static_cast<std::size_t>(t.numel()) * dtype_size(dtype));
  return t;
}

Tensor Tensor::ones(const Shape& shape, DType dtype) { return full(shape, 1.0, dtype); }

Tensor Tensor::full(const Shape& shape, double value, DType dtype) {
  Tensor t = empty(shape, dtype);
  dispatch_with_int64(dtype, [&]<class T>() { std::fill_n(t.data<T>(), t.numel(), static_cast<T>(value)); });
  return t;
}

Tensor Tensor::scalar(double value, DType dtype) { return full(Shape{}, value, dtype); }

Tensor Tensor::arange(double start, double end, double step, DType dtype) {
  if (step == 0.0) throw ValueError("arange: step must be nonzero");
  const double count = std::ceil((end - start) / step);
  const auto n = static_cast<int64_t>(std::max(0.0, count));
  Tensor t = empty(Shape{n}, dtype);
  dispatch_with_int64(dtype, [&]<class T>() {
    T* p = t.data<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(start + static_cast<double>(i) * step);
  });
  return t;
}

template <class V>
static Tensor from_values(std::span<const V> values, const Shape& shape, DType dtype) {
  if (static_cast<int64_t>(values.size()) != shape.numel())
    throw ShapeError("from_data: " + std::to_string(values.size()) + " values do not fill shape " + shape.str() + " (" +
                     std::to_string(shape.numel()) + " elements)");
  Tensor t = Tensor::empty(shape, dtype);
  dispatch_with_int64(dtype, [&]<class T>() { std::copy(values.begin(), values.end(), t.data<T>()); });
  return t;
}

Tensor Tensor::from_data(std::span<const double> values, const Shape& shape, DType dtype) {
  return from_values(values, shape, dtype);
}
Tensor Tensor::from_data(std::span<const float> values, const Shape& shape, DType dtype) {
  return from_values(values, shape, dtype);
}
Tensor Tensor::from_data(std::span<const int64_t> values, const Shape& shape, DType dtype) {
  return from_values(values, shape, dtype);
}

Tensor Tensor::uniform(const Shape& shape, double lo, double hi, DType dtype, Generator* gen) {
  Tensor t = empty(shape, dtype);
  NoGradGuard guard;
  t.uniform_(lo, hi, gen);
  return t;
}

Tensor Tensor::normal(const Shape& shape, double mean, double std, DType dtype, Generator* gen) {
  Tensor t = empty(shape, dtype);
  NoGradGuard guard;
  t.normal_(mean, std, gen);
  return t;
}

// ---------------------------------------------------------------- properties

int64_t Tensor::size(int dim) const {
  if (this->dim() == 0) throw ShapeError("size: a 0-dim tensor has no dim " + std::to_string(dim));
  return shape()[normalize_dim(dim, this->dim(), "size")];
}

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (int i = dim() - 1; i >= 0; --i) {
    if (shape()[i] != 1 && strides()[i] != expected) return false;
    expected *= shape()[i];
  }
  return true;
}

void Tensor::check_dtype(DType expected) const {
  if (dtype() != expected)
    throw ShapeError("tensor of dtype " + std::string(dtype_name(dtype())) + " accessed as " +
                     std::string(dtype_name(expected)));
}

double Tensor::item() const {
  if (numel() != 1)
    throw ShapeError("item: tensor of shape " + shape().str() + " has " + std::to_string(numel()) +
                     " elements; item() needs exactly one");
  return dispatch_with_int64(dtype(), [&]<class T>() { return static_cast<double>(*data<T>()); });
}

double Tensor::at(std::initializer_list<int64_t> index) const {
  if (static_cast<int>(index.size()) != dim())
    throw ShapeError("at: " + std::to_string(index.size()) + " indices for a tensor with " + std::to_string(dim()) +
                     " dims");
  int64_t off = 0;
  int d = 0;
  for (int64_t i : index) {
    if (i < 0 || i >= shape()[d])
      throw ShapeError("at: index " + std::to_string(i) + " is out of range for dim " + std::to_string(d) +
                       " of size " + std::to_string(shape()[d]));
    off += i * strides()[d++];
  }
  return dispatch_with_int64(dtype(), [&]<class T>() { return static_cast<double>(data<T>()[off]); });
}

std::vector<int64_t> Tensor::int64_values() const {
  const Tensor c = contiguous();
  const int64_t* p = c.data<int64_t>();
  return std::vector<int64_t>(p, p + numel());
}

std::vector<double> Tensor::to_vector() const {
  std::vector<double> out(static_cast<std::size_t>(numel()));
  dispatch_with_int64(dtype(), [&]<class T>() {
    const T* p = data<T>();
    double* o = out.data();
    kernels::for_each_row<2>(shape(), {contiguous_strides(shape()), strides()},
                             [&](std::array<int64_t, 2> off, int64_t n, std::array<int64_t, 2> st) {
                               for (int64_t i = 0; i < n; ++i) o[off[0] + i * st[0]] = p[off[1] + i * st[1]];
                             });
  });
  return out;
}

// ---------------------------------------------------------------- autograd

Tensor& Tensor::requires_grad_(bool enabled) {
  if (enabled) check_floating(dtype(), "requires_grad_");
  if (!is_leaf() && !enabled)
    throw Error("requires_grad_(false) on a non-leaf tensor; use detach() to cut it from the graph");
  impl().requires_grad = enabled;
  return *this;
}

Tensor Tensor::grad() const { return impl().grad ? Tensor(impl().grad) : Tensor(); }

void Tensor::set_grad(const Tensor& g) {
  if (!g.defined()) {
    impl().grad.reset();
    return;
  }
  if (!(g.shape() == shape()) || g.dtype() != dtype())
    throw ShapeError("set_grad: gradient of shape " + g.shape().str() + " (" + std::string(dtype_name(g.dtype())) +
                     ") for a tensor of shape " + shape().str() + " (" + std::string(dtype_name(dtype())) + ")");
  impl().grad = g.impl_ptr();
}

void Tensor::zero_grad() { impl().grad.reset(); }

void Tensor::retain_grad() {
  if (!requires_grad()) throw Error("retain_grad: the tensor does not require grad");
  if (is_leaf()) return;  // leaves keep .grad anyway
  impl().retains_grad = true;
  grad_fn()->output = impl_;
}

void Tensor::backward(const Tensor& gradient, bool retain_graph) const { run_backward(*this, gradient, retain_graph); }

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = this->impl().storage;
  impl->offset = offset();
  impl->shape = shape();
  impl->strides = strides();
  impl->dtype = dtype();
  note_saved_candidate(this->impl().storage);
  return Tensor(std::move(impl));
}

uint64_t Tensor::version() const { return impl().storage->version(); }

Tensor make_view(const Tensor& base, const Shape& shape, const Shape& strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.impl().storage;
  impl->offset = offset;
  impl->shape = shape;
  impl->strides = strides;
  impl->dtype = base.dtype();
  return Tensor(std::move(impl));
}

// ---------------------------------------------------------------- in place

// Every in-place op begins here, which bumps the storage's version counter.
void Tensor::begin_inplace(const char* op) const {
  if (grad_enabled() && requires_grad())
    throw Error(std::string(op) +
                ": in-place update of a tensor that requires grad while grad mode is on; "
                "wrap it in NoGradGuard (as torch.no_grad()) or use an out-of-place op");
  impl().storage->bump_version();
}

Tensor& Tensor::zero_() { return fill_(0.0); }

Tensor& Tensor::fill_(double value) {
  begin_inplace("fill_");
  dispatch_with_int64(dtype(), [&]<class T>() {
    const T v = static_cast<T>(value);
    kernels::map_unary<T>(*this, *this, [v](T) { return v; });
  });
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  begin_inplace("copy_");
  if (!(broadcast_shapes(shape(), src.shape(), "copy_") == shape()))
    throw ShapeError("copy_: shape " + src.shape().str() + " cannot be copied into shape " + shape().str());
  const Tensor s = src.dtype() == dtype() ? src : src.to(dtype());
  dispatch_with_int64(dtype(), [&]<class T>() { kernels::map_binary<T>(*this, s, *this, [](T, T b) { return b; }); });
  return *this;
}

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  begin_inplace("add_");
  if (other.dtype() != dtype())
    throw ShapeError("add_: dtypes differ (" + std::string(dtype_name(dtype())) + " and " +
                     std::string(dtype_name(other.dtype())) + ")");
  const Shape out = broadcast_shapes(shape(), other.shape(), "add_");
  if (!(out == shape()))
    throw ShapeError("add_: shape " + other.shape().str() + " cannot be added in place to shape " + shape().str());
  dispatch(dtype(), [&]<class T>() {
    const T a = static_cast<T>(alpha);
    if (alpha == 1.0)
      kernels::map_binary<T>(*this, other, *this, [](T x, T y) { return x + y; });
    else
      kernels::map_binary<T>(*this, other, *this, [a](T x, T y) { return x + a * y; });
  });
  return *this;
}

Tensor& Tensor::mul_(double factor) {
  begin_inplace("mul_");
  dispatch(dtype(), [&]<class T>() {
    const T f = static_cast<T>(factor);
    kernels::map_unary<T>(*this, *this, [f](T x) { return x * f; });
  });
  return *this;
}

namespace {

// Fills t with draw(), element after element in row-major order (a non-contiguous t through
// a contiguous copy), so a seeded generator gives the same values at any layout.
template <class Draw>
Tensor& fill_by(Tensor& t, Draw draw) {
  Tensor c = t.contiguous();
  dispatch(t.dtype(), [&]<class T>() {
    T* p = c.data<T>();
    for (int64_t i = 0; i < c.numel(); ++i) p[i] = static_cast<T>(draw());
  });
  if (!c.is_same(t)) t.copy_(c);
  return t;
}

}  // namespace

Tensor& Tensor::uniform_(double lo, double hi, Generator* gen) {
  begin_inplace("uniform_");
  check_floating(dtype(), "uniform_");
  if (!(lo <= hi)) throw ValueError("uniform_: lo " + format_number(lo) + " must be <= hi " + format_number(hi));
  Generator& g = gen ? *gen : default_generator();
  return fill_by(*this, [&] { return g.uniform(lo, hi); });
}

Tensor& Tensor::normal_(double mean, double std, Generator* gen) {
  begin_inplace("normal_");
  check_floating(dtype(), "normal_");
  if (!(std >= 0)) throw ValueError("normal_: std must be >= 0, got " + format_number(std));
  Generator& g = gen ? *gen : default_generator();
  return fill_by(*this, [&] { return g.normal(mean, std); });
}

// ---------------------------------------------------------------- printing

namespace {

// Prints values as torch's repr does: 4 significant digits (integers of an int64 tensor in
// full), right-aligned to the widest shown value so the columns of a matrix line up; a tensor
// of more than 1000 elements shows only the first and last 3 entries along each dim longer than 6.
class Printer {
 public:
  explicit Printer(const Tensor& t)
      : integer_(t.dtype() == DType::i64), shape_(t.shape()), summarize_(t.numel() > 1000) {
    if (integer_)
      integers_ = t.int64_values();
    else
      values_ = t.to_vector();
  }

  void print(std::ostream& os, int indent) {
    std::ostringstream ignored;
    walk(ignored, 0, 0, indent, /*measure=*/true);
    walk(os, 0, 0, indent, /*measure=*/false);
  }

 private:
  std::string format(int64_t i) const {
    if (integer_) return std::to_string(integers_[static_cast<std::size_t>(i)]);
    std::ostringstream os;
    os << std::setprecision(4) << values_[static_cast<std::size_t>(i)];
    return os.str();
  }

  void walk(std::ostream& os, int dim, int64_t base, int indent, bool measure) {
    if (shape_.rank() == 0) {
      emit(os, format(0), measure);
      return;
    }
    const int64_t n = shape_[dim];
    int64_t block = 1;
    for (int d = dim + 1; d < shape_.rank(); ++d) block *= shape_[d];
    const bool innermost = dim + 1 == shape_.rank();
    const std::string separator = innermost ? ", " : ",\n" + std::string(static_cast<std::size_t>(indent + 1), ' ');
    os << "[";
    for (int64_t i = 0; i < n; ++i) {
      if (summarize_ && n > 6 && i == 3) {
        os << "..." << separator;
        i = n - 3;
      }
      if (innermost)
        emit(os, format(base + i), measure);
      else
        walk(os, dim + 1, base + i * block, indent + 1, measure);
      if (i + 1 < n) os << separator;
    }
    os << "]";
  }

  void emit(std::ostream& os, const std::string& text, bool measure) {
    if (measure)
      width_ = std::max(width_, text.size());
    else
      os << std::string(width_ - text.size(), ' ') << text;
  }

  bool integer_;
  std::vector<double> values_;
  std::vector<int64_t> integers_;
  const Shape& shape_;
  bool summarize_;
  std::size_t width_ = 0;
};

}  // namespace

std::string Tensor::str() const {
  if (!defined()) return "tensor(undefined)";
  std::ostringstream os;
  os << "tensor(";
  Printer(*this).print(os, 7);
  os << ", shape=" << shape().str() << ", dtype=" << dtype_name(dtype());
  if (requires_grad()) os << (grad_fn() ? std::string(", grad_fn=") + grad_fn()->name : ", requires_grad=true");
  os << ")";
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

}  // namespace descent
