// Linear, the activation modules, Dropout, Sequential.
#include "descent/nn/layers.hpp"

#include <cmath>
#include <sstream>

#include "descent/nn/functional.hpp"
#include "descent/nn/init.hpp"
#include "descent/nn/pooling.hpp"
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

Tensor ReLU::forward(const Tensor& x) { return relu(x); }

Tensor LeakyReLU::forward(const Tensor& x) { return leaky_relu(x, negative_slope); }
std::string LeakyReLU::extra_repr() const {
  std::ostringstream e;
  e << "negative_slope=" << negative_slope;
  return e.str();
}

Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }

Tensor Tanh::forward(const Tensor& x) { return tanh(x); }

GELU::GELU(std::string approx) : approximate(std::move(approx)) {
  if (approximate != "none" && approximate != "tanh")
    throw ValueError("GELU: approximate must be 'none' or 'tanh', got '" + approximate + "'");
}
Tensor GELU::forward(const Tensor& x) { return gelu(x, approximate == "tanh"); }
std::string GELU::extra_repr() const { return approximate == "tanh" ? "approximate='tanh'" : ""; }

Tensor Softmax::forward(const Tensor& x) { return softmax(x, dim); }

Tensor LogSoftmax::forward(const Tensor& x) { return log_softmax(x, dim); }

std::shared_ptr<Module> make_activation(const std::string& name) {
  if (name == "relu") return std::make_shared<ReLU>();
  if (name == "leaky_relu") return std::make_shared<LeakyReLU>();
  if (name == "sigmoid") return std::make_shared<Sigmoid>();
  if (name == "tanh") return std::make_shared<Tanh>();
  if (name == "gelu") return std::make_shared<GELU>();
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

Module& Sequential::checked_layer(std::size_t index) const {
  if (index >= layers_.size())
    throw ValueError("Sequential: index " + std::to_string(index) + " is out of range for " +
                     std::to_string(layers_.size()) + " layers");
  return *layers_[index];
}

// A ReLU followed by a MaxPool2d (conv nets' usual order) runs as the pooling first, then the
// ReLU on the pooled tensor, a quarter of the elements for 2 x 2 windows. The results are the
// same bits, and so are the gradients reaching the input: ReLU is non-decreasing, so
// max(relu(a), relu(b)) = relu(max(a, b)); where the window's maximum is positive (or NaN), both
// orders pick the same element (the first maximum) and pass its gradient on; where it is not,
// both pass 0 to every element.
Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const bool relu_then_pool = i + 1 < layers_.size() && dynamic_cast<ReLU*>(layers_[i].get()) != nullptr &&
                                dynamic_cast<MaxPool2d*>(layers_[i + 1].get()) != nullptr;
    if (relu_then_pool) {
      h = layers_[i]->forward(layers_[i + 1]->forward(h));
      ++i;
      continue;
    }
    h = layers_[i]->forward(h);
  }
  return h;
}

}  // namespace descent
