// Module: the base of every layer and model, as torch.nn.Module. A module registers its
// parameters, buffers and children by name; names are dotted paths ("0.weight",
// "encoder.layers.1.bias") that stay stable, so checkpoints and parameter groups use them.
// A subclass defines forward and registers its members; nothing else is required.
#pragma once
#include <concepts>
#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "descent/tensor/tensor.hpp"

namespace descent {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  virtual ~Module() = default;
  Module() = default;
  explicit Module(std::string name) : name_(std::move(name)) {}
  // Modules are handles to their tensors: moving one keeps them, copying would share them.
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  Module(Module&&) = default;
  Module& operator=(Module&&) = default;

  // The single-input forward that Sequential and operator() call. A module whose forward
  // takes other arguments (x, mask) declares that overload instead and is called directly;
  // calling this one then throws, naming the module.
  virtual Tensor forward(const Tensor& x);
  Tensor operator()(const Tensor& x) { return forward(x); }

  // Parameters and buffers of this module and all its children, depth first, dotted names.
  NamedTensors named_parameters() const;
  std::vector<Tensor> parameters() const;
  NamedTensors named_buffers() const;
  // Parameters then buffers: what a weights file holds (torch's state_dict).
  NamedTensors state_dict() const;
  // Copies values into the registered tensors; every name must be present with its shape.
  void load_state_dict(const NamedTensors& tensors);
  // Converts every parameter and buffer to dtype in place, as torch's module.to(dtype): each
  // tensor keeps its identity, so the handles layers hold (Linear::weight) see the change.
  // Gradients are dropped. Create optimizers after converting.
  void to(DType dtype);

  // Training mode (dropout active, batch norm uses batch statistics) or evaluation mode.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void zero_grad();

  // One line per module, indented, as torch prints a model.
  // The name given at construction, else the class name without namespaces ("Linear").
  virtual std::string name() const;
  virtual std::string extra_repr() const { return ""; }  // "in_features=784, out_features=256, bias=true"
  std::string repr(int indent = 0) const;
  int64_t num_parameters() const;

  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const { return children_; }

 protected:
  // Registers a parameter (marked requires_grad) and returns the same handle.
  Tensor register_parameter(const std::string& name, Tensor t);
  Tensor register_buffer(const std::string& name, Tensor t);
  // Takes a module object (moved in: register_module("fc", Linear(4, 2))) or a shared_ptr
  // to one, and returns the shared_ptr the module now lives in.
  template <class M>
  auto register_module(const std::string& name, M&& module);  // M: see ModuleArgument below

 private:
  void collect(const std::string& prefix, NamedTensors& out, bool buffers) const;
  std::string name_;
  NamedTensors params_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// The class name of a type without namespaces: "Linear" for descent::Linear.
std::string class_name(const std::type_info& type);

namespace detail {
template <class T>
inline constexpr bool is_module_ptr = false;
template <class T>
inline constexpr bool is_module_ptr<std::shared_ptr<T>> = std::derived_from<T, Module>;
template <class T>
struct held_module {
  using type = T;
};
template <class T>
struct held_module<std::shared_ptr<T>> {
  using type = T;
};
}  // namespace detail

// What Sequential and register_module take: a module object or a shared_ptr to one.
template <class M>
concept ModuleArgument =
    std::derived_from<std::remove_cvref_t<M>, Module> || detail::is_module_ptr<std::remove_cvref_t<M>>;
template <class M>
using ModuleType = typename detail::held_module<std::remove_cvref_t<M>>::type;

// `Tensor forward(Tensor x)`, as LibTorch examples write it, takes the tensor by value and
// so hides Module::forward instead of overriding it.
template <class M>
concept ForwardTakesTensorByValue = requires {
  static_cast<Tensor (M::*)(Tensor)>(&M::forward);
};
// A module Sequential can call: its forward takes one tensor.
template <class M>
concept SingleInputModule = requires {
  static_cast<Tensor (M::*)(const Tensor&)>(&M::forward);
};

// The shared_ptr a module argument lives in: the one given, or a new one the object is moved into.
template <ModuleArgument M>
std::shared_ptr<ModuleType<M>> share_module(M&& module) {
  using Held = ModuleType<M>;
  static_assert(!ForwardTakesTensorByValue<Held>,
                "forward(Tensor x) does not override Module::forward: declare it as "
                "`Tensor forward(const Tensor& x) override`");
  if constexpr (detail::is_module_ptr<std::remove_cvref_t<M>>) {
    return std::forward<M>(module);
  } else {
    static_assert(!std::is_lvalue_reference_v<M>,
                  "a module object is moved in, not copied: pass a temporary (Linear(2, 64)), "
                  "std::move(module), or a std::shared_ptr");
    return std::make_shared<Held>(std::move(module));  // NOLINT(bugprone-move-forwarding-reference): an rvalue here
  }
}

template <class M>
auto Module::register_module(const std::string& name, M&& module) {
  static_assert(ModuleArgument<M>, "register_module takes a module object or a std::shared_ptr to one");
  auto shared = share_module(std::forward<M>(module));
  if (!shared) throw ValueError("register_module('" + name + "'): the module is a null pointer");
  children_.emplace_back(name, shared);
  return shared;
}

}  // namespace descent
