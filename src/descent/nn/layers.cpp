// Linear, the activation modules, Dropout, Sequential.
#include "descent/nn/layers.hpp"

#include <cmath>
#include <sstream>

#include "descent/nn/functional.hpp"
#include "descent/nn/init.hpp"
#include "descent/ops/ops.hpp"

namespace descent {

Linear::Linear(int64_t in, int64_t out, bool with_bias, DType dtype, Generator* gen)
    : in_features(in), out_features(out) {
  if (in <= 0 || out <= 0)
    throw ValueError("Linear: in_features and out_features must be positive, got " + std::to_string(in) + " and " +
                     std::to_string(out));
  Tensor w = Tensor::empty(Shape{out, in}, dtype);
  init::kaiming_uniform_(w, std::sqrt(5.0), init::FanMode::fan_in, "leaky_relu", gen);
  weight = register_parameter("weight", w);
  if (with_bias) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    Tensor b = Tensor::empty(Shape{out}, dtype);
    init::uniform_(b, -bound, bound, gen);
    bias = register_parameter("bias", b);
  }
}

Tensor Linear::forward(const Tensor& x) { return linear(x, weight, bias); }

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features) + ", out_features=" + std::to_string(out_features) +
         ", bias=" + (bias.defined() ? "true" : "false");
}

std::shared_ptr<Module> ReLU() { return std::make_shared<Activation>("ReLU", [](const Tensor& x) { return relu(x); }); }
std::shared_ptr<Module> LeakyReLU(double slope) {
  std::ostringstream e;
  e << "negative_slope=" << slope;
  return std::make_shared<Activation>("LeakyReLU", [slope](const Tensor& x) { return leaky_relu(x, slope); }, e.str());
}
std::shared_ptr<Module> Sigmoid() {
  return std::make_shared<Activation>("Sigmoid", [](const Tensor& x) { return sigmoid(x); });
}
std::shared_ptr<Module> Tanh() { return std::make_shared<Activation>("Tanh", [](const Tensor& x) { return tanh(x); }); }
std::shared_ptr<Module> GELU(bool approx) {
  return std::make_shared<Activation>("GELU", [approx](const Tensor& x) { return gelu(x, approx); },
                                      approx ? "approximate='tanh'" : "");
}
std::shared_ptr<Module> Softmax(int dim) {
  return std::make_shared<Activation>("Softmax", [dim](const Tensor& x) { return softmax(x, dim); },
                                      "dim=" + std::to_string(dim));
}
std::shared_ptr<Module> LogSoftmax(int dim) {
  return std::make_shared<Activation>("LogSoftmax", [dim](const Tensor& x) { return log_softmax(x, dim); },
                                      "dim=" + std::to_string(dim));
}

std::shared_ptr<Module> make_activation(const std::string& name) {
  if (name == "relu") return ReLU();
  if (name == "leaky_relu") return LeakyReLU();
  if (name == "sigmoid") return Sigmoid();
  if (name == "tanh") return Tanh();
  if (name == "gelu") return GELU();
  throw ValueError("unknown activation '" + name + "' (expected relu, leaky_relu, sigmoid, tanh or gelu)");
}

Dropout::Dropout(double prob, Generator* gen) : p(prob), gen_(gen) {
  if (!(p >= 0.0 && p < 1.0)) throw ValueError("Dropout: p must be in [0, 1), got " + std::to_string(p));
}

Tensor Dropout::forward(const Tensor& x) { return dropout(x, p, is_training(), gen_); }

std::string Dropout::extra_repr() const {
  std::ostringstream e;
  e << "p=" << p;
  return e.str();
}

Sequential::Sequential(std::vector<std::shared_ptr<Module>> layers) {
  for (auto& l : layers) push_back(std::move(l));
}

void Sequential::push_back(std::shared_ptr<Module> layer) {
  register_module(std::to_string(layers_.size()), layer);
  layers_.push_back(std::move(layer));
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (auto& l : layers_) h = l->forward(h);
  return h;
}

}  // namespace descent
