// Node: one recorded op in the computation graph (as torch.autograd.graph.Node). It keeps the
// tensors it was applied to (the graph's edges) and a backward function that, given the
// gradient of the op's output, accumulates (+=) the gradient of each input.
//
// Backward functions capture only detached tensors (data without history), never the
// inputs themselves, so the graph holds no cycles and its memory goes with its last user.
//
// Saved tensors and version counters (torch.autograd's SavedVariable): the detached copies a
// backward function captures are the tensors it saved. record() notes, for each input and the
// output that was detached while the op was being recorded, its storage and version; the
// backward walk checks them before running the node, so a saved tensor modified in place since
// fails backward() instead of giving a silently wrong gradient. Ops need no code of their own.
#pragma once
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <vector>

#include "descent/tensor/grad_mode.hpp"
#include "descent/tensor/tensor.hpp"

namespace descent {

// A tensor a node saved for its backward: its storage and that storage's version then.
struct SavedVersion {
  std::shared_ptr<Storage> storage;
  uint64_t version = 0;
  Shape shape;
};

struct Node {
  using BackwardFn = std::function<void(Node& node, const Tensor& grad_output)>;

  const char* name = "";
  std::vector<Tensor> inputs;
  BackwardFn backward;
  Tensor grad;                       // the output's gradient, summed during backward
  std::weak_ptr<TensorImpl> output;  // for retain_grad() on the output
  std::vector<SavedVersion> saved;   // the inputs and output the backward captured

  // Does input i want a gradient? Backward functions skip work for those that don't.
  bool needs_grad(std::size_t i) const { return inputs[i].defined() && inputs[i].requires_grad(); }
  // Adds g to input i's gradient, summing broadcast dims back to the input's shape.
  void accumulate(std::size_t i, const Tensor& g);
  // Throws Error naming this op and the shape if a saved tensor was modified in place since.
  void check_saved_versions() const;

  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  ~Node();  // releases long chains iteratively, so a 100,000-op graph frees without recursion
};

// Records `backward` as the grad_fn of `out` if grad mode is on and any input requires grad.
// Returns out, which then requires grad.
Tensor record(Tensor out, const char* name, std::initializer_list<Tensor> inputs, Node::BackwardFn backward);
Tensor record(Tensor out, const char* name, std::vector<Tensor> inputs, Node::BackwardFn backward);

// Called by Tensor::detach(): while grad mode is on, the storage may be one the op being
// recorded saves; the next record() keeps those that are its inputs' or output's.
void note_saved_candidate(const std::shared_ptr<Storage>& storage);

// Does grad mode record an op on these inputs?
bool any_requires_grad(std::initializer_list<Tensor> inputs);

// Sums g over the dims that broadcasting added or expanded, so it has `shape` again.
Tensor sum_to_shape(const Tensor& g, const Shape& shape);

// The backward walk: reverse topological order from `root`, iteratively. A leaf's
// post-accumulate-grad hooks run as soon as the walk has passed every node that feeds it.
void run_backward(const Tensor& root, const Tensor& gradient, bool retain_graph);

// ---- anomaly detection (torch.autograd.set_detect_anomaly): while on, record() checks each
// op's output and Node::accumulate each gradient an op's backward produces; the first NaN or
// infinity throws Error naming the op and the shapes. Off by default, when it costs one flag
// check per op. The setting is global, as the training loop's threads share one graph.

void set_detect_anomaly(bool enabled);
bool anomaly_detection_enabled();

// RAII scope with anomaly detection on (or off), restoring the previous setting after, as
// torch.autograd.detect_anomaly().
class DetectAnomalyGuard {
 public:
  explicit DetectAnomalyGuard(bool enabled = true) : previous_(anomaly_detection_enabled()) {
    set_detect_anomaly(enabled);
  }
  ~DetectAnomalyGuard() { set_detect_anomaly(previous_); }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool previous_;
};

// ---- hooks on a leaf's accumulated gradient (torch.Tensor.register_post_accumulate_grad_hook,
// PyTorch 2.1): a hook runs once per backward pass, after the last contribution of that pass
// to the leaf's .grad, e.g. to send a bucket of finished gradients to an all-reduce (DDP).

using PostAccumulateGradHook = std::function<void(const Tensor& leaf)>;

// Unregisters the hook it was returned for (torch.utils.hooks.RemovableHandle); removing twice
// is harmless.
class RemovableHandle {
 public:
  RemovableHandle() = default;
  explicit RemovableHandle(uint64_t id) : id_(id) {}
  void remove();

 private:
  uint64_t id_ = 0;
};

// Registers `hook` on `leaf`, a tensor that requires grad and has no grad_fn; hooks of one leaf
// run in registration order. The hook lives as long as the leaf or until removed.
RemovableHandle register_post_accumulate_grad_hook(const Tensor& leaf, PostAccumulateGradHook hook);

}  // namespace descent
