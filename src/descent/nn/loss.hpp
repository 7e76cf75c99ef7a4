// Loss functions, as torch.nn.functional (Goodfellow, Bengio & Courville 2016, §5.5 and §6.2.2).
// Class targets are (N) int64 tensors of class indices, as torch's; cross_entropy also takes
// class probabilities, a float target of the logits' shape (N, C), as torch >= 1.10.
#pragma once
#include <string>
#include <vector>

#include "descent/tensor/tensor.hpp"

namespace descent {

enum class Reduction { none, mean, sum };
Reduction parse_reduction(const std::string& name);  // "none" | "mean" | "sum"

// mean((x - y)^2)
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);
// mean(|x - y|)
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);
// 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta)
Tensor huber_loss(const Tensor& input, const Tensor& target, double delta = 1.0, Reduction reduction = Reduction::mean);
// Cross-entropy from logits (N, C): -log softmax(x)_y, fused with a stable log-softmax;
// its gradient is (softmax(x) - onehot(y)) per example. With label_smoothing e in [0, 1) the
// target is (1 - e) onehot(y) + e / C, as torch.nn.CrossEntropyLoss(label_smoothing=e)
// (Szegedy et al. 2016, "Rethinking the Inception Architecture", §7): the loss is
// (1 - e) (-log p_y) + e mean_k(-log p_k). A float target of class indices is refused: pass
// int64 (.to(DType::i64)). With probabilities t (N, C) the loss is -sum_k t'_k log p_k per row,
// t' = (1 - e) t + e / C, its gradient going to the logits and to t.
Tensor cross_entropy(const Tensor& logits, const Tensor& target, Reduction reduction = Reduction::mean,
                     double label_smoothing = 0.0);
// Negative log-likelihood from log-probabilities (N, C) and int64 targets (N): -logp_y.
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, Reduction reduction = Reduction::mean);
// max(x, 0) - x t + log(1 + e^-|x|): binary cross-entropy on logits, stable; logits and
// targets of one shape (targets in [0, 1]), the mean over all elements by default.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        Reduction reduction = Reduction::mean);
// The explicit L2 penalty lambda/2 * sum ||theta||^2 (Goodfellow, Bengio & Courville 2016, §7.1.1), added to the
// loss; unlike an optimizer's decoupled weight decay it goes through the gradient.
Tensor l2_penalty(const std::vector<Tensor>& params, double lambda);

}  // namespace descent
