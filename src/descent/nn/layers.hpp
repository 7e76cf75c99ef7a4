// Layers, as torch.nn: Linear, activations, Dropout, Flatten, Sequential. Normalization
// layers are in normalization.hpp.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "descent/core/rng.hpp"
#include "descent/nn/module.hpp"

namespace descent {

// y = x W^T + b, W (out, in), b (out). Initialized as torch.nn.Linear: W and b ~ U(-k, k),
// k = 1/sqrt(in) (kaiming_uniform_ with a = sqrt(5)).
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true, DType dtype = DType::f32,
         Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Tensor weight;  // (out, in)
  Tensor bias;    // (out), undefined when bias = false
  int64_t in_features, out_features;
};

// Activations: functions of the input with nothing to learn, as torch.nn.ReLU etc.
class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01) : negative_slope(negative_slope) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double negative_slope;
};

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};

// approximate: "none" (the exact erf form) or "tanh", as torch.nn.GELU.
class GELU : public Module {
 public:
  explicit GELU(std::string approximate = "none");
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  std::string approximate;
};

// What Softmax and LogSoftmax share: the dim they normalize over, shown as "dim=1".
class OverDim : public Module {
 public:
  explicit OverDim(int dim) : dim(dim) {}
  std::string extra_repr() const override { return "dim=" + std::to_string(dim); }
  int dim;
};

class Softmax : public OverDim {
 public:
  explicit Softmax(int dim = -1) : OverDim(dim) {}
  Tensor forward(const Tensor& x) override;
};

class LogSoftmax : public OverDim {
 public:
  explicit LogSoftmax(int dim = -1) : OverDim(dim) {}
  Tensor forward(const Tensor& x) override;
};

// By name: relu, leaky_relu, sigmoid, tanh, gelu (ValueError listing them otherwise).
std::shared_ptr<Module> make_activation(const std::string& name);

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5, Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double p;

 private:
  Generator* gen_;
};

// (N, d1, d2, ...) -> (N, d1*d2*...)
class Flatten : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x.flatten(1); }
};

// Applies its children in order; they are named "0", "1", ... as in torch.nn.Sequential.
// Takes modules by value or as shared_ptr: Sequential seq{Linear(2, 64), ReLU(), Linear(64, 2)}.
// Braces build the layers left to right, as PyTorch does; C++ leaves the order of arguments in
// parentheses unspecified, which matters when the layers draw their weights from one generator.
class Sequential : public Module {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<std::shared_ptr<Module>> layers);
  template <ModuleArgument... M>
  requires(sizeof...(M) > 0) explicit Sequential(M&&... layers) { (push_back(std::forward<M>(layers)), ...); }
  void push_back(std::shared_ptr<Module> layer);
  template <ModuleArgument M>
  void push_back(M&& layer) {
    // (A by-value forward has its own message, in share_module.)
    static_assert(SingleInputModule<ModuleType<M>> || ForwardTakesTensorByValue<ModuleType<M>>,
                  "Sequential calls forward(const Tensor&): a module whose forward takes several tensors "
                  "cannot be one of its layers");
    push_back(std::shared_ptr<Module>(share_module(std::forward<M>(layer))));
  }
  Tensor forward(const Tensor& x) override;
  std::size_t size() const { return layers_.size(); }
  Module& operator[](std::size_t index) { return checked_layer(index); }
  // The layer at index as its type, as torch::nn::Sequential::at<T>; throws naming the
  // actual type when it is another.
  template <class T>
  T& at(std::size_t index) {
    Module& layer = checked_layer(index);
    if (auto* typed = dynamic_cast<T*>(&layer)) return *typed;
    throw ValueError("Sequential::at<" + class_name(typeid(T)) + ">(" + std::to_string(index) + "): layer " +
                     std::to_string(index) + " is a " + class_name(typeid(layer)) + ", not a " + class_name(typeid(T)));
  }

 private:
  Module& checked_layer(std::size_t index) const;
  std::vector<std::shared_ptr<Module>> layers_;
};

}  // namespace descent
