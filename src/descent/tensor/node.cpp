// Recording ops into the graph, and the backward walk over it (reverse mode, as PyTorch's
// autograd engine): nodes are visited in reverse topological order, found by an iterative
// depth-first search (no recursion, so chains of 100,000 ops work), and each node's backward
// accumulates into its inputs' gradients.
#include "descent/tensor/node.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "descent/tensor/elementwise.hpp"
#include "descent/tensor/sum_reduced.hpp"

namespace descent {

// ---------------------------------------------------------------- recording

namespace {

// Storages detached while grad mode was on since the last record(): the tensors the backward
// function of the op being recorded may have captured (note_saved_candidate). An op saves a
// few; the oldest are dropped beyond this many, as they belong to no op.
constexpr std::size_t kMaxSavedCandidates = 32;
thread_local std::vector<std::weak_ptr<Storage>> t_saved_candidates;

std::atomic<bool> g_detect_anomaly = false;

// Does the candidate refer to t's storage? Compared by owner, not lock()ed: no atomic
// increment per candidate, and an expired candidate's control block lives as long as the
// candidate, so it can be no live tensor's.
bool is_storage_of(const std::weak_ptr<Storage>& candidate, const Tensor& t) {
  if (!t.defined()) return false;
  const std::shared_ptr<Storage>& storage = t.impl().storage;
  return !candidate.owner_before(storage) && !storage.owner_before(candidate);
}

// Of the candidates, those that are an input's or the output's storage, at their versions now.
// The vector is allocated at the first match only: most ops save nothing or one or two tensors.
std::vector<SavedVersion> take_saved(const std::vector<Tensor>& inputs, const Tensor& out) {
  std::vector<SavedVersion> saved;
  for (const std::weak_ptr<Storage>& candidate : t_saved_candidates) {
    const auto same = [&](const Tensor& t) { return is_storage_of(candidate, t); };
    const Tensor* match = &out;
    if (!same(out)) {
      const auto in = std::find_if(inputs.begin(), inputs.end(), same);
      if (in == inputs.end()) continue;
      match = &*in;
    }
    const std::shared_ptr<Storage>& storage = match->impl().storage;
    const auto already = [&](const SavedVersion& s) { return s.storage == storage; };
    if (std::any_of(saved.begin(), saved.end(), already)) continue;
    if (saved.empty()) saved.reserve(t_saved_candidates.size());
    saved.push_back({storage, storage->version(), match->shape()});
  }
  t_saved_candidates.clear();
  return saved;
}

// "a NaN" if t holds one, else "an infinity" if it holds one, else nullptr.
const char* non_finite(const Tensor& t) {
  const Tensor values = t.contiguous();
  bool nan = false;
  bool inf = false;
  dispatch(values.dtype(), [&]<class T>() {
    const T* p = values.data<T>();
    for (int64_t i = 0; i < values.numel(); ++i) {
      nan = nan || std::isnan(p[i]);
      inf = inf || std::isinf(p[i]);
    }
  });
  return nan ? "a NaN" : inf ? "an infinity" : nullptr;
}

void check_forward_anomaly(const Node& node, const Tensor& out) {
  const char* found = non_finite(out);
  if (!found) return;
  std::string input_shapes;
  for (const Tensor& in : node.inputs)
    if (in.defined()) input_shapes += (input_shapes.empty() ? "" : ", ") + in.shape().str();
  throw Error(std::string("anomaly: the forward of ") + node.name + " produced " + found + " (output shape " +
              out.shape().str() + "; input shapes " + input_shapes + ")");
}

}  // namespace

void note_saved_candidate(const std::shared_ptr<Storage>& storage) {
  if (!grad_enabled()) return;
  if (t_saved_candidates.size() == kMaxSavedCandidates) t_saved_candidates.erase(t_saved_candidates.begin());
  t_saved_candidates.push_back(storage);
}

void set_detect_anomaly(bool enabled) { g_detect_anomaly.store(enabled, std::memory_order_relaxed); }

bool anomaly_detection_enabled() { return g_detect_anomaly.load(std::memory_order_relaxed); }

bool any_requires_grad(std::initializer_list<Tensor> inputs) {
  if (!grad_enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

Tensor record(Tensor out, const char* name, std::vector<Tensor> inputs, Node::BackwardFn backward) {
  const auto wants_grad = [](const Tensor& t) { return t.defined() && t.requires_grad(); };
  if (!grad_enabled() || !std::any_of(inputs.begin(), inputs.end(), wants_grad)) {
    t_saved_candidates.clear();
    return out;
  }
  auto node = std::make_shared<Node>();
  node->name = name;
  node->saved = take_saved(inputs, out);
  node->inputs = std::move(inputs);
  node->backward = std::move(backward);
  if (anomaly_detection_enabled()) check_forward_anomaly(*node, out);
  out.impl().grad_fn = std::move(node);
  out.impl().requires_grad = true;
  return out;
}

Tensor record(Tensor out, const char* name, std::initializer_list<Tensor> inputs, Node::BackwardFn backward) {
  if (!any_requires_grad(inputs)) {
    t_saved_candidates.clear();
    return out;
  }
  return record(std::move(out), name, std::vector<Tensor>(inputs), std::move(backward));
}

// ---------------------------------------------------------------- accumulation

Tensor sum_to_shape(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  const int lead = g.dim() - shape.rank();
  if (lead < 0) throw ShapeError("sum_to_shape: gradient " + g.shape().str() + " has fewer dims than " + shape.str());
  std::vector<bool> reduced(static_cast<std::size_t>(g.dim()), false);
  Shape keep;
  for (int i = 0; i < g.dim(); ++i) {
    reduced[static_cast<std::size_t>(i)] = i < lead || (shape[i - lead] == 1 && g.shape()[i] != 1);
    keep.push_back(reduced[static_cast<std::size_t>(i)] ? 1 : g.shape()[i]);
  }
  return sum_reduced(g, reduced, keep).reshape(shape);
}

namespace {

// a + b for two gradients of one shape, in a fresh tensor (as ops' add, without a record).
Tensor add_gradients(const Tensor& a, const Tensor& b) {
  Tensor out = Tensor::empty(a.shape(), a.dtype());
  dispatch(a.dtype(), [&]<class T>() { kernels::map_binary<T>(a, b, out, [](T x, T y) { return x + y; }); });
  return out;
}

}  // namespace

void Node::accumulate(std::size_t i, const Tensor& g_in) {
  const Tensor& input = inputs[i];
  if (!input.requires_grad()) return;
  const Tensor g = sum_to_shape(g_in, input.shape());
  if (anomaly_detection_enabled()) {
    if (const char* found = non_finite(g))
      throw Error(std::string("anomaly: the backward of ") + name + " produced " + found +
                  " in the gradient of its input " + std::to_string(i) + " (shape " + input.shape().str() + ")");
  }
  if (input.grad_fn()) {
    // Intermediate: sum in the node; out of place, since g may alias another buffer.
    Node& producer = *input.grad_fn();
    producer.grad = producer.grad.defined() ? add_gradients(producer.grad, g) : g;
    return;
  }
  // Leaf: .grad is its own contiguous buffer, accumulated in place (gradient accumulation).
  TensorImpl& leaf = input.impl();
  if (!leaf.grad) {
    leaf.grad = g.clone().impl_ptr();
  } else {
    Tensor(leaf.grad).add_(g);
  }
}

void Node::check_saved_versions() const {
  for (const SavedVersion& s : saved) {
    if (s.storage->version() == s.version) continue;
    throw Error(std::string("one of the tensors needed for the gradient of ") + name +
                " was modified in place after it was saved (shape " + s.shape.str() + "): version " +
                std::to_string(s.storage->version()) + ", expected " + std::to_string(s.version));
  }
}

// ---------------------------------------------------------------- destruction

Node::~Node() {
  // Destroying the last handle to a long chain would recurse node -> tensor -> node ...
  // Instead, nodes whose last owner is being destroyed are moved to a list and released
  // one at a time by the outermost destructor.
  thread_local std::vector<std::shared_ptr<Node>>* pending = nullptr;
  std::vector<std::shared_ptr<Node>> local;
  const bool outermost = pending == nullptr;
  if (outermost) pending = &local;
  backward = nullptr;
  for (Tensor& t : inputs) {
    if (t.defined() && t.impl_ptr().use_count() == 1 && t.impl().grad_fn)
      pending->push_back(std::move(t.impl().grad_fn));
  }
  inputs.clear();
  if (outermost) {
    while (!local.empty()) {
      std::shared_ptr<Node> n = std::move(local.back());
      local.pop_back();
      n.reset();
    }
    pending = nullptr;
  }
}

// ---------------------------------------------------------------- post-accumulate-grad hooks

namespace {

struct LeafHook {
  uint64_t id;
  std::weak_ptr<TensorImpl> leaf;  // an entry whose leaf is gone is dropped when next seen
  PostAccumulateGradHook hook;
};

class HookRegistry {
 public:
  static HookRegistry& instance() {
    static HookRegistry registry;
    return registry;
  }

  uint64_t add(const std::shared_ptr<TensorImpl>& leaf, PostAccumulateGradHook hook) {
    std::lock_guard lock(mutex_);
    std::erase_if(by_leaf_, [&](const auto& entry) { return entry.second.front().leaf.expired(); });
    by_leaf_[leaf.get()].push_back({next_id_, leaf, std::move(hook)});
    empty_ = false;
    return next_id_++;
  }

  void remove(uint64_t id) {
    std::lock_guard lock(mutex_);
    for (auto it = by_leaf_.begin(); it != by_leaf_.end(); ++it) {
      if (std::erase_if(it->second, [id](const LeafHook& h) { return h.id == id; }) == 0) continue;
      if (it->second.empty()) by_leaf_.erase(it);
      break;
    }
    empty_ = by_leaf_.empty();
  }

  // Without any hook the walk skips all bookkeeping.
  bool empty() const { return empty_; }

  // Of these leaves, those with hooks.
  std::unordered_set<const TensorImpl*> hooked(const std::vector<const TensorImpl*>& leaves) {
    std::lock_guard lock(mutex_);
    std::unordered_set<const TensorImpl*> found;
    for (const TensorImpl* leaf : leaves) {
      const auto it = by_leaf_.find(leaf);
      if (it != by_leaf_.end() && !it->second.front().leaf.expired()) found.insert(leaf);
    }
    return found;
  }

  // Copied out, so a hook may register or remove hooks while the others run.
  std::vector<PostAccumulateGradHook> hooks_of(const TensorImpl* leaf) {
    std::lock_guard lock(mutex_);
    std::vector<PostAccumulateGradHook> hooks;
    if (const auto it = by_leaf_.find(leaf); it != by_leaf_.end())
      for (const LeafHook& h : it->second) hooks.push_back(h.hook);
    return hooks;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<const TensorImpl*, std::vector<LeafHook>> by_leaf_;
  uint64_t next_id_ = 1;
  std::atomic<bool> empty_ = true;
};

void run_hooks(const Tensor& leaf) {
  for (const PostAccumulateGradHook& hook : HookRegistry::instance().hooks_of(&leaf.impl())) hook(leaf);
}

bool is_grad_leaf(const Tensor& t) { return t.defined() && t.is_leaf() && t.requires_grad(); }

// For one walk: how many of its nodes still feed each hooked leaf; a leaf's hooks run when
// the last of them is done, i.e. after its last gradient contribution of this pass.
class PendingLeafHooks {
 public:
  explicit PendingLeafHooks(const std::vector<std::shared_ptr<Node>>& order) {
    if (HookRegistry::instance().empty()) return;
    std::vector<const TensorImpl*> leaves;
    for (const auto& node : order)
      for (const Tensor& in : node->inputs)
        if (is_grad_leaf(in)) leaves.push_back(&in.impl());
    const auto hooked = HookRegistry::instance().hooked(leaves);
    for (const TensorImpl* leaf : leaves)
      if (hooked.contains(leaf)) ++pending_[leaf];  // once per edge: a leaf used twice counts twice
  }

  void node_done(const Node& node) {
    if (pending_.empty()) return;
    for (const Tensor& in : node.inputs) {
      if (!is_grad_leaf(in)) continue;
      const auto it = pending_.find(&in.impl());
      if (it != pending_.end() && --it->second == 0) run_hooks(in);
    }
  }

 private:
  std::unordered_map<const TensorImpl*, int> pending_;
};

}  // namespace

void RemovableHandle::remove() {
  if (id_ != 0) HookRegistry::instance().remove(id_);
  id_ = 0;
}

RemovableHandle register_post_accumulate_grad_hook(const Tensor& leaf, PostAccumulateGradHook hook) {
  if (!leaf.defined() || !leaf.requires_grad() || !leaf.is_leaf())
    throw Error(
        "register_post_accumulate_grad_hook: the tensor must be a leaf that requires grad (a parameter); "
        "call requires_grad_() first, and register on the parameter, not on a result computed from it");
  return RemovableHandle(HookRegistry::instance().add(leaf.impl_ptr(), std::move(hook)));
}

// ---------------------------------------------------------------- the backward walk

namespace {

// The nodes the walk has seen: a vector searched linearly while the graph is small (a
// step of a small model then costs no hashing and no allocation per node), a hash set once
// it has more than kLinearMax nodes.
class Visited {
 public:
  bool insert(Node* node) {  // true if node was not there yet
    if (hashed_.empty()) {
      if (std::find(linear_.begin(), linear_.end(), node) != linear_.end()) return false;
      if (linear_.size() < kLinearMax) {
        linear_.push_back(node);
        return true;
      }
      hashed_.insert(linear_.begin(), linear_.end());
    }
    return hashed_.insert(node).second;
  }

 private:
  static constexpr std::size_t kLinearMax = 32;
  std::vector<Node*> linear_;
  std::unordered_set<Node*> hashed_;
};

}  // namespace

void run_backward(const Tensor& root, const Tensor& gradient, bool retain_graph) {
  check_floating(root.dtype(), "backward");
  if (!root.requires_grad())
    throw Error("backward: the tensor does not require grad and has no grad_fn (shape " + root.shape().str() +
                "); did you forget requires_grad_() on a parameter, or compute it under NoGradGuard?");
  Tensor seed = gradient;
  if (!seed.defined()) {
    if (root.numel() != 1)
      throw ShapeError("backward: a tensor of shape " + root.shape().str() +
                       " is not a scalar; pass a gradient of the same shape, as torch's backward(gradient)");
    seed = Tensor::ones(root.shape(), root.dtype());
  } else if (!(seed.shape() == root.shape()) || seed.dtype() != root.dtype()) {
    throw ShapeError("backward: gradient of shape " + seed.shape().str() + " (" +
                     std::string(dtype_name(seed.dtype())) + ") for a tensor of shape " + root.shape().str() + " (" +
                     std::string(dtype_name(root.dtype())) + ")");
  }

  NoGradGuard no_grad;
  if (root.is_leaf()) {
    TensorImpl& leaf = root.impl();
    if (!leaf.grad)
      leaf.grad = seed.clone().impl_ptr();
    else
      Tensor(leaf.grad).add_(seed);
    if (!HookRegistry::instance().empty()) run_hooks(root);
    return;
  }

  // Iterative post-order DFS: order ends with the root; reversed, each node comes after
  // every node that feeds gradient into it.
  std::vector<std::shared_ptr<Node>> order;
  {
    Visited visited;
    visited.insert(root.grad_fn().get());
    std::vector<std::pair<std::shared_ptr<Node>, std::size_t>> stack;  // node, next input to look at
    stack.reserve(16);
    order.reserve(16);
    stack.emplace_back(root.grad_fn(), 0);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node->inputs.size()) {
        const Tensor& in = node->inputs[next++];
        if (in.defined() && in.grad_fn() && visited.insert(in.grad_fn().get())) stack.emplace_back(in.grad_fn(), 0);
      } else {
        order.push_back(std::move(node));
        stack.pop_back();
      }
    }
  }

  PendingLeafHooks leaf_hooks(order);
  root.grad_fn()->grad = seed;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node& node = **it;
    if (!node.backward)
      throw Error(std::string("backward: the graph through '") + node.name +
                  "' was already freed by an earlier backward; pass retain_graph=true to the first call");
    Tensor g = std::move(node.grad);
    node.grad = Tensor();
    if (g.defined()) {  // else no gradient flowed here
      if (auto out = node.output.lock(); out && out->retains_grad) {
        if (!out->grad)
          out->grad = g.clone().impl_ptr();
        else
          Tensor(out->grad).add_(g);
      }
      node.check_saved_versions();
      node.backward(node, g);
      if (!retain_graph) {
        node.backward = nullptr;
        node.saved.clear();
      }
    }
    leaf_hooks.node_done(node);
  }
}

}  // namespace descent
