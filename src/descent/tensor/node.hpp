// Node: one recorded op in the computation graph (seed 002, slides 26-33). It keeps the
// tensors it was applied to (the graph's edges) and a backward function that, given the
// gradient of the op's output, accumulates (+=) the gradient of each input.
//
// Backward functions capture only detached tensors (data without history), never the
// inputs themselves, so the graph holds no cycles and its memory goes with its last user.
#pragma once
#include <functional>
#include <initializer_list>
#include <memory>
#include <vector>

#include "descent/tensor/grad_mode.hpp"
#include "descent/tensor/tensor.hpp"

namespace descent {

struct Node {
  using BackwardFn = std::function<void(Node& node, const Tensor& grad_output)>;

  const char* name = "";
  std::vector<Tensor> inputs;
  BackwardFn backward;
  Tensor grad;                              // the output's gradient, summed during backward
  std::weak_ptr<TensorImpl> output;         // for retain_grad() on the output

  // Does input i want a gradient? Backward functions skip work for those that don't.
  bool needs_grad(std::size_t i) const { return inputs[i].defined() && inputs[i].requires_grad(); }
  // Adds g to input i's gradient, summing broadcast dims back to the input's shape.
  void accumulate(std::size_t i, const Tensor& g);

  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  ~Node();  // releases long chains iteratively, so a 100,000-op graph frees without recursion
};

// Records `backward` as the grad_fn of `out` if grad mode is on and any input requires grad.
// Returns out, which then requires grad.
Tensor record(Tensor out, const char* name, std::initializer_list<Tensor> inputs, Node::BackwardFn backward);
Tensor record(Tensor out, const char* name, std::vector<Tensor> inputs, Node::BackwardFn backward);

// Does grad mode record an op on these inputs?
bool any_requires_grad(std::initializer_list<Tensor> inputs);

// Sums g over the dims that broadcasting added or expanded, so it has `shape` again.
Tensor sum_to_shape(const Tensor& g, const Shape& shape);

// The backward walk: reverse topological order from `root`, iteratively.
void run_backward(const Tensor& root, const Tensor& gradient, bool retain_graph);

}  // namespace descent
