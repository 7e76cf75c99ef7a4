// Weight averaging, as torch.optim.swa_utils (PyTorch 1.13): AveragedModel keeps a running
// average of a model's parameters, either the equal average of every update (stochastic weight
// averaging, Izmailov et al. 2018, "Averaging Weights Leads to Wider Optima and Better
// Generalization") or an exponential moving average (Polyak & Juditsky 1992; Keras's
// use_ema, optax.ema); update_bn recomputes batch-norm statistics for the averaged weights.
//
//   AveragedModel swa(model);                       // or AveragedModel::ema(model, 0.999)
//   ... after each epoch (SWA) or optimizer step (EMA): swa.update_parameters(model);
//   swa.copy_to(eval_model); update_bn(loader, eval_model);
#pragma once
#include <cstdint>
#include <functional>

#include "descent/data/loader.hpp"
#include "descent/nn/module.hpp"

namespace descent {

// avg_fn(averaged, current, n_averaged): the new average of one parameter, as torch's avg_fn.
using AverageFunction = std::function<Tensor(const Tensor& averaged, const Tensor& current, int64_t n_averaged)>;

// The equal running average, AveragedModel's default avg_fn: a + (p − a) / (n + 1).
Tensor equal_average(const Tensor& averaged, const Tensor& current, int64_t n_averaged);
// The exponential moving average decay·a + (1 − decay)·p, the avg_fn of PyTorch's EMA example
// (torch 2.x's get_ema_avg_fn; Keras's and optax's EMA are the same rule). decay in [0, 1).
AverageFunction exponential_average(double decay);

class AveragedModel {
 public:
  // Holds a copy of `model`'s parameters and buffers (state_dict), n_averaged = 0.
  // use_buffers = false (PyTorch's default): update_parameters averages the parameters and
  // copies the buffers (batch-norm statistics) as they are in the model, as torch ≥ 2.0 does
  // (1.13 leaves them as they were at construction); recompute them for the average with
  // update_bn. use_buffers = true: buffers are averaged like parameters.
  explicit AveragedModel(const Module& model, AverageFunction avg_fn = equal_average, bool use_buffers = false);
  static AveragedModel ema(const Module& model, double decay, bool use_buffers = false);

  // The first call copies the model; each later one applies avg_fn with the count so far.
  void update_parameters(const Module& model);

  int64_t n_averaged() const { return n_averaged_; }
  // The averaged parameters then buffers, under the model's names.
  const NamedTensors& state_dict() const { return average_; }
  // Restores a saved average (every name of the model's state_dict, in any order, with its
  // shape) and its count; changes nothing when one is missing or misshapen.
  void load_state_dict(const NamedTensors& tensors, int64_t n_averaged);
  // Loads the average into `model` (one with the same names and shapes), e.g. to evaluate it.
  void copy_to(Module& model) const { model.load_state_dict(average_); }

 private:
  NamedTensors average_;
  std::size_t num_parameters_;  // average_'s first entries are parameters, the rest buffers
  AverageFunction avg_fn_;
  bool use_buffers_;
  int64_t n_averaged_ = 0;
};

// torch.optim.swa_utils.update_bn: resets every BatchNorm1d/2d's running statistics (mean 0,
// variance 1, count 0), runs one pass of `loader` (the rest of its current epoch, or a new one)
// through `model` in training mode with each layer's momentum set to None (the cumulative average
// over the batches), then restores the momenta and the model's mode. Nothing happens to a model
// without batch norm. Returns whether the model has batch norm.
bool update_bn(DataLoader& loader, Module& model);
// Whether `model` holds a BatchNorm1d or BatchNorm2d with running statistics.
bool has_batch_norm(const Module& model);

}  // namespace descent
