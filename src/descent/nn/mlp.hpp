// Building a multilayer perceptron from a spec string, as `descent train --model` takes it:
//   "linear"        no hidden layer (softmax regression)
//   "mlp:256-128"   hidden layers of 256 and 128 units
// Input and output sizes come from the data.
#pragma once
#include <memory>
#include <string>

#include "descent/core/rng.hpp"
#include "descent/nn/layers.hpp"

namespace descent {

struct MlpOptions {
  std::string activation = "relu";  // relu, leaky_relu, sigmoid, tanh, gelu
  double dropout = 0.0;             // after each hidden activation
  // "default" (torch.nn.Linear's), xavier_uniform, xavier_normal, kaiming_uniform,
  // kaiming_normal (optionally ":bias=VALUE" for a constant bias; zeros otherwise), or nielsen
  // (weights N(0, 1/n_in), biases N(0, 1): Nielsen's "Neural Networks and Deep Learning", ch. 3).
  std::string init = "default";
  bool batch_norm = false;  // BatchNorm1d before each hidden activation
  DType dtype = DType::f32;
};

// Hidden sizes of a model spec; throws ValueError on a malformed spec.
std::vector<int64_t> parse_model_spec(const std::string& spec);

// An initializer spec (MlpOptions::init): a scheme name and, for all but "default", an
// optional constant bias. parse_init throws ValueError on an unknown scheme or key.
struct InitChoice {
  std::string scheme = "default";
  double bias = 0.0;  // zeros unless given
};
InitChoice parse_init(const std::string& spec);

// Initializes a layer's weight (and its bias, when defined) by `init`, with the gain of the
// activation that follows the layer; "default" leaves the layer's own initialization.
void apply_init(Tensor& weight, Tensor& bias, const InitChoice& init, const std::string& activation, Generator* gen);

std::shared_ptr<Sequential> make_mlp(const std::string& spec, int64_t in_features, int64_t out_features,
                                     const MlpOptions& options = {}, Generator* gen = nullptr);

}  // namespace descent
