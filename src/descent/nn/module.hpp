// Module: the base of every layer and model, as torch.nn.Module. A module registers its
// parameters, buffers and children by name; names are dotted paths ("0.weight",
// "encoder.layers.1.bias") that stay stable, so checkpoints and parameter groups use them.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "descent/tensor/tensor.hpp"

namespace descent {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }

  // Parameters and buffers of this module and all its children, depth first, dotted names.
  NamedTensors named_parameters() const;
  std::vector<Tensor> parameters() const;
  NamedTensors named_buffers() const;
  // Parameters then buffers: what a weights file holds (torch's state_dict).
  NamedTensors state_dict() const;
  // Copies values into the registered tensors; every name must be present with its shape.
  void load_state_dict(const NamedTensors& tensors);

  // Training mode (dropout active, batch norm uses batch statistics) or evaluation mode.
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void zero_grad();

  // One line per module, indented, as torch prints a model.
  virtual std::string name() const = 0;          // "Linear"
  virtual std::string extra_repr() const { return ""; }  // "in_features=784, out_features=256, bias=true"
  std::string repr(int indent = 0) const;
  int64_t num_parameters() const;

  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const { return children_; }

 protected:
  // Registers a parameter (marked requires_grad) and returns the same handle.
  Tensor register_parameter(const std::string& name, Tensor t);
  Tensor register_buffer(const std::string& name, Tensor t);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    children_.emplace_back(name, m);
    return m;
  }

 private:
  void collect(const std::string& prefix, NamedTensors& out, bool buffers) const;
  NamedTensors params_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace descent
