// Weight initialization (Glorot & Bengio 2010; He et al. 2015), as torch.nn.init: each fills a tensor in place
// from a generator (the default one when null).
//   Xavier/Glorot (Glorot & Bengio 2010): Var = gain^2 * 2 / (fan_in + fan_out)
//   Kaiming/He (He et al. 2015):         Var = gain^2 / fan_mode
#pragma once
#include <string>

#include "descent/core/rng.hpp"
#include "descent/tensor/tensor.hpp"

namespace descent::init {

enum class FanMode { fan_in, fan_out };

// torch.nn.init.calculate_gain: linear/sigmoid/identity 1, tanh 5/3, relu sqrt(2),
// leaky_relu sqrt(2 / (1 + slope^2)), selu 3/4.
double calculate_gain(const std::string& nonlinearity, double param = 0.01);
// (fan_in, fan_out) of a weight of shape (out, in, *receptive field).
std::pair<int64_t, int64_t> fans(const Tensor& t);

Tensor& uniform_(Tensor& t, double lo, double hi, Generator* gen = nullptr);
Tensor& normal_(Tensor& t, double mean, double std, Generator* gen = nullptr);
Tensor& constant_(Tensor& t, double value);
Tensor& zeros_(Tensor& t);
Tensor& ones_(Tensor& t);
// U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))
Tensor& xavier_uniform_(Tensor& t, double gain = 1.0, Generator* gen = nullptr);
// N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))
Tensor& xavier_normal_(Tensor& t, double gain = 1.0, Generator* gen = nullptr);
// U(-b, b), b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a)
Tensor& kaiming_uniform_(Tensor& t, double a = 0.0, FanMode mode = FanMode::fan_in,
                         const std::string& nonlinearity = "leaky_relu", Generator* gen = nullptr);
// N(0, std^2), std = gain / sqrt(fan)
Tensor& kaiming_normal_(Tensor& t, double a = 0.0, FanMode mode = FanMode::fan_in,
                        const std::string& nonlinearity = "leaky_relu", Generator* gen = nullptr);

}  // namespace descent::init
