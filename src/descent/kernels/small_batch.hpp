// The two products of a linear layer on a minibatch of a few rows (SGD with batch 10), where
// BLAS is slow: it packs the whole weight matrix into its panel layout on every call, which
// costs as much as the product itself when the batch has a handful of rows. These kernels read
// the weights in place, keep blocks of sums in vector registers, and reach several times
// OpenBLAS's rate on such shapes. Their order of summation is fixed (it does not depend on the
// thread count or on where a block starts), so results are reproducible.
#pragma once
#include <cstdint>

namespace descent::kernels {

// Batches of at most this many rows take these kernels; larger ones go to BLAS.
inline constexpr int64_t kSmallBatch = 16;

// y[b, o] += sum_i x[b, i] w[o, i] for b < rows, o < out, i < in (y is rows x out,
// contiguous): a minibatch times the transposed weight, the forward product of linear.
template <class T>
void small_batch_times_weight(const T* x, int64_t ldx, const T* w, int64_t ldw, T* y, int64_t rows, int64_t in,
                              int64_t out);

// d[o, i] = (accumulate ? d[o, i] : 0) + sum_s c[o * c_out + s * c_sum] src[s * ld_src + i]
// for o < n, s < terms, i < in (d is n x in, contiguous): each row of d a combination of the
// rows of src. With c = g (the gradient of linear's output, batch x out) it is the weight
// gradient g^T x (o a feature, s a row of the batch, c_out = 1, c_sum = ld_g) or the input
// gradient g w (o a row of the batch, s a feature, c_out = ld_g, c_sum = 1). Each element is
// summed in the order d, then s = 0, 1, ..., so the blocking does not change its bits.
template <class T>
void combine_rows(const T* c, int64_t c_out, int64_t c_sum, const T* src, int64_t ld_src, T* d, int64_t n,
                  int64_t terms, int64_t in, bool accumulate);

}  // namespace descent::kernels
