// Shape: the sizes (or strides) of a tensor's dims, stored inline (no heap allocation),
// up to kMaxDims dims. Printed as [64, 784], as in error messages.
#pragma once
#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>

#include "descent/core/error.hpp"

namespace descent {

inline constexpr int kMaxDims = 8;

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) : Shape(std::span<const int64_t>(dims.begin(), dims.size())) {}
  explicit Shape(std::span<const int64_t> dims) {
    if (dims.size() > static_cast<std::size_t>(kMaxDims))
      throw ShapeError("shape has " + std::to_string(dims.size()) + " dims; descent supports at most " +
                       std::to_string(kMaxDims));
    for (int64_t d : dims) dims_[rank_++] = d;
  }

  int rank() const { return rank_; }
  bool empty() const { return rank_ == 0; }
  int64_t operator[](int i) const { return dims_[static_cast<std::size_t>(i)]; }
  int64_t& operator[](int i) { return dims_[static_cast<std::size_t>(i)]; }
  const int64_t* begin() const { return dims_.data(); }
  const int64_t* end() const { return dims_.data() + rank_; }
  int64_t* begin() { return dims_.data(); }
  int64_t* end() { return dims_.data() + rank_; }
  std::span<const int64_t> span() const { return {dims_.data(), static_cast<std::size_t>(rank_)}; }

  void push_back(int64_t d) {
    if (rank_ == kMaxDims) throw ShapeError("shape would exceed " + std::to_string(kMaxDims) + " dims");
    dims_[rank_++] = d;
  }
  void insert(int pos, int64_t d) {
    push_back(0);
    for (int i = rank_ - 1; i > pos; --i) dims_[i] = dims_[i - 1];
    dims_[pos] = d;
  }
  void erase(int pos) {
    for (int i = pos; i + 1 < rank_; ++i) dims_[i] = dims_[i + 1];
    --rank_;
  }

  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < rank_; ++i) n *= dims_[i];
    return n;
  }

  friend bool operator==(const Shape& a, const Shape& b) {
    if (a.rank_ != b.rank_) return false;
    for (int i = 0; i < a.rank_; ++i)
      if (a.dims_[i] != b.dims_[i]) return false;
    return true;
  }

  std::string str() const {
    std::string s = "[";
    for (int i = 0; i < rank_; ++i) {
      if (i) s += ", ";
      s += std::to_string(dims_[i]);
    }
    return s + "]";
  }

 private:
  std::array<int64_t, kMaxDims> dims_{};
  int rank_ = 0;
};

// Row-major (C-order) strides for a shape.
inline Shape contiguous_strides(const Shape& shape) {
  Shape s = shape;
  int64_t step = 1;
  for (int i = shape.rank() - 1; i >= 0; --i) {
    s[i] = step;
    step *= shape[i];
  }
  return s;
}

// Turns a possibly negative dim (-1 is the last) into 0..rank-1, or throws naming the op.
inline int normalize_dim(int dim, int rank, const char* op) {
  int r = rank == 0 ? 1 : rank;
  if (dim < -r || dim >= r)
    throw ShapeError(std::string(op) + ": dim " + std::to_string(dim) + " is out of range for a tensor with " +
                     std::to_string(rank) + " dims (expected " + std::to_string(-r) + " to " + std::to_string(r - 1) +
                     ")");
  return dim < 0 ? dim + r : dim;
}

// NumPy broadcasting: align trailing dims; sizes must match or be 1.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace descent
