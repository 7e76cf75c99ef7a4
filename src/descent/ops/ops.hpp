// The differentiable ops. Each op computes its value eagerly and, when grad mode is on and
// an input requires grad, records a Node whose backward sits beside the forward in the same
// file (arithmetic.cpp, math.cpp, reduce.cpp, matmul.cpp, shape.cpp, activation.cpp,
// softmax.cpp, indexing.cpp). Binary ops broadcast as NumPy does; both operands must have
// the same dtype. Index tensors (class targets, gather indices, argmax results) are int64, as
// torch.long; the ops here are floating-only unless their comment says they take int64, and an
// int64 tensor given to one is refused with a line naming the op.
#pragma once
#include <initializer_list>
#include <optional>
#include <vector>

#include "descent/tensor/tensor.hpp"

namespace descent {

// ---- arithmetic (arithmetic.cpp) ----
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, double s);
Tensor mul(const Tensor& a, double s);
Tensor rsub(const Tensor& a, double s);  // s - a
Tensor rdiv(const Tensor& a, double s);  // s / a
Tensor neg(const Tensor& a);
Tensor maximum(const Tensor& a, const Tensor& b);  // gradient to a where a >= b (ties: split evenly, as torch)
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);  // condition != 0 picks a

// comparisons: 1 where true, 0 where false, in a's dtype (no gradient; torch gives bool). Both
// operands of one dtype, int64 included: eq(logits.argmax(1), labels).sum() counts the hits.
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);

// ---- elementwise math (math.cpp) ----
Tensor pow(const Tensor& a, double exponent);
Tensor square(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor abs(const Tensor& a);  // subgradient 0 at 0, as torch
Tensor clamp(const Tensor& a, std::optional<double> min, std::optional<double> max);

// ---- reductions (reduce.cpp) ----
// sum takes int64 and stays int64 (exact), as torch; mean refuses int64, as torch does.
Tensor sum(const Tensor& a);
Tensor sum(const Tensor& a, std::vector<int> dims, bool keepdim = false);
Tensor mean(const Tensor& a);
Tensor mean(const Tensor& a, std::vector<int> dims, bool keepdim = false);
Tensor max(const Tensor& a);                                 // gradient split evenly among ties, as torch
Tensor max(const Tensor& a, int dim, bool keepdim = false);  // gradient to the first maximum, as torch
Tensor min(const Tensor& a, int dim, bool keepdim = false);
Tensor argmax(const Tensor& a, int dim, bool keepdim = false);  // int64 indices (any input dtype), no gradient
Tensor argmin(const Tensor& a, int dim, bool keepdim = false);  // the same for the first minimum

// ---- linear algebra (matmul.cpp) ----
// 1-D and 2-D operands as torch.matmul; more dims are batches, broadcast. Runs on BLAS gemm.
Tensor matmul(const Tensor& a, const Tensor& b);
// x (B, in) @ weight (out, in)^T + bias (out): torch.nn.functional.linear, one gemm.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

// ---- shape (shape.cpp; the view methods of Tensor live there too) ----
Tensor concat(const std::vector<Tensor>& tensors, int dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int dim = 0);

// ---- indexing (indexing.cpp) ----
// The index is an int64 tensor (a float one is refused, as torch does); `a` may be int64 too.
Tensor index_select(const Tensor& a, int dim, const Tensor& index);                    // index: 1-D
Tensor gather(const Tensor& a, int dim, const Tensor& index);                          // index: same rank as a
Tensor one_hot(const Tensor& indices, int64_t num_classes, DType dtype = DType::f32);  // indices: int64

// ---- activations (activation.cpp) ----
Tensor relu(const Tensor& a);  // subgradient 0 at 0
Tensor leaky_relu(const Tensor& a, double negative_slope = 0.01);
Tensor sigmoid(const Tensor& a);
Tensor tanh(const Tensor& a);
Tensor gelu(const Tensor& a, bool tanh_approximation = false);
Tensor softplus(const Tensor& a, double beta = 1.0, double threshold = 20.0);

// ---- softmax (softmax.cpp): max-subtracted, stable for logits of +-1e4 ----
Tensor softmax(const Tensor& a, int dim = -1);
Tensor log_softmax(const Tensor& a, int dim = -1);

// ---- operators ----
inline Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
inline Tensor operator-(const Tensor& a) { return neg(a); }
inline Tensor operator+(const Tensor& a, double s) { return add(a, s); }
inline Tensor operator+(double s, const Tensor& a) { return add(a, s); }
inline Tensor operator-(const Tensor& a, double s) { return add(a, -s); }
inline Tensor operator-(double s, const Tensor& a) { return rsub(a, s); }
inline Tensor operator*(const Tensor& a, double s) { return mul(a, s); }
inline Tensor operator*(double s, const Tensor& a) { return mul(a, s); }
inline Tensor operator/(const Tensor& a, double s) { return mul(a, 1.0 / s); }
inline Tensor operator/(double s, const Tensor& a) { return rdiv(a, s); }

// Throws unless a and b have the same dtype, naming the op.
void check_same_dtype(const Tensor& a, const Tensor& b, const char* op);

}  // namespace descent
