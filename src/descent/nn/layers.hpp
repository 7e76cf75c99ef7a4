// Layers, as torch.nn: Linear, activations, Dropout, Flatten, Sequential. Normalization
// layers are in normalization.hpp.
#pragma once
#include <functional>
#include <memory>

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
  std::string name() const override { return "Linear"; }
  std::string extra_repr() const override;
  Tensor weight;  // (out, in)
  Tensor bias;    // (out), undefined when bias = false
  int64_t in_features, out_features;
};

// An activation as a module: a function of the input with nothing to learn.
class Activation : public Module {
 public:
  Activation(std::string name, std::function<Tensor(const Tensor&)> f, std::string extra = "")
      : name_(std::move(name)), f_(std::move(f)), extra_(std::move(extra)) {}
  Tensor forward(const Tensor& x) override { return f_(x); }
  std::string name() const override { return name_; }
  std::string extra_repr() const override { return extra_; }

 private:
  std::string name_;
  std::function<Tensor(const Tensor&)> f_;
  std::string extra_;
};

std::shared_ptr<Module> ReLU();
std::shared_ptr<Module> LeakyReLU(double negative_slope = 0.01);
std::shared_ptr<Module> Sigmoid();
std::shared_ptr<Module> Tanh();
std::shared_ptr<Module> GELU(bool tanh_approximation = false);
std::shared_ptr<Module> Softmax(int dim = -1);
std::shared_ptr<Module> LogSoftmax(int dim = -1);
// By name: relu, leaky_relu, sigmoid, tanh, gelu (ValueError listing them otherwise).
std::shared_ptr<Module> make_activation(const std::string& name);

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5, Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;
  std::string name() const override { return "Dropout"; }
  std::string extra_repr() const override;
  double p;

 private:
  Generator* gen_;
};

// (N, d1, d2, ...) -> (N, d1*d2*...)
class Flatten : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x.flatten(1); }
  std::string name() const override { return "Flatten"; }
};

// Applies its children in order; they are named "0", "1", ... as in torch.nn.Sequential.
class Sequential : public Module {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<std::shared_ptr<Module>> layers);
  void push_back(std::shared_ptr<Module> layer);
  Tensor forward(const Tensor& x) override;
  std::string name() const override { return "Sequential"; }
  std::size_t size() const { return layers_.size(); }
  Module& operator[](std::size_t i) { return *layers_.at(i); }

 private:
  std::vector<std::shared_ptr<Module>> layers_;
};

}  // namespace descent
