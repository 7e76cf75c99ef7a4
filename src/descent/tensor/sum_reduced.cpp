// sum_reduced: merges the reduced dims into an (L, M, R) block for kernels::sum_lmr (float),
// or an exact int64 loop.
#include "descent/tensor/sum_reduced.hpp"

#include "descent/kernels/reduce.hpp"

namespace descent {

namespace {

// The dims of `a` reordered as `perm`, copied contiguous.
Tensor permuted_copy(const Tensor& a, const std::vector<int>& perm) {
  Shape shape, strides;
  for (int d : perm) {
    shape.push_back(a.shape()[d]);
    strides.push_back(a.strides()[d]);
  }
  return make_view(a, shape, strides, a.offset()).contiguous();
}

// out[m] = sum over l, r of p[(l * M + m) * R + r], exactly in int64 (wrapping on overflow,
// as torch): the double accumulation of kernels::sum_lmr would round above 2^53.
void sum_lmr_int64(const int64_t* p, int64_t L, int64_t M, int64_t R, int64_t* out) {
  for (int64_t m = 0; m < M; ++m) {
    uint64_t s = 0;
    for (int64_t l = 0; l < L; ++l)
      for (int64_t r = 0; r < R; ++r) s += static_cast<uint64_t>(p[(l * M + m) * R + r]);
    out[m] = static_cast<int64_t>(s);
  }
}

}  // namespace

Tensor sum_reduced(const Tensor& a_in, const std::vector<bool>& reduced, const Shape& keep_shape) {
  const Tensor a = a_in.contiguous();
  const int rank = a.dim();
  auto is_reduced = [&](int d) { return reduced[static_cast<std::size_t>(d)]; };
  // Split dims into: leading reduced (L), kept middle, trailing reduced (R) when that is the
  // layout; otherwise permute to kept-then-reduced and copy.
  int lead = 0;
  while (lead < rank && is_reduced(lead)) ++lead;
  int trail = rank;
  while (trail > lead && is_reduced(trail - 1)) --trail;
  bool middle_kept = true;
  for (int d = lead; d < trail; ++d) middle_kept = middle_kept && !is_reduced(d);
  if (!middle_kept) {
    // General case: move the reduced dims to the end, then it is a trailing reduction.
    std::vector<int> perm;
    for (int d = 0; d < rank; ++d)
      if (!is_reduced(d)) perm.push_back(d);
    for (int d = 0; d < rank; ++d)
      if (is_reduced(d)) perm.push_back(d);
    std::vector<bool> moved_reduced;
    Shape moved_keep;
    for (int d : perm) {
      moved_reduced.push_back(is_reduced(d));
      moved_keep.push_back(is_reduced(d) ? 1 : a.shape()[d]);
    }
    return sum_reduced(permuted_copy(a, perm), moved_reduced, moved_keep).reshape(keep_shape);
  }
  int64_t L = 1, M = 1, R = 1;
  for (int d = 0; d < lead; ++d) L *= a.shape()[d];
  for (int d = lead; d < trail; ++d) M *= a.shape()[d];
  for (int d = trail; d < rank; ++d) R *= a.shape()[d];
  Tensor out = Tensor::empty(keep_shape, a.dtype());
  if (a.dtype() == DType::i64) {
    sum_lmr_int64(a.data<int64_t>(), L, M, R, out.data<int64_t>());
    return out;
  }
  dispatch(a.dtype(), [&]<class T>() { kernels::sum_lmr(a.data<T>(), L, M, R, out.data<T>()); });
  return out;
}

}  // namespace descent
