// AveragedModel and update_bn, following torch/optim/swa_utils.py (PyTorch 1.13).
#include "descent/train/averaged_model.hpp"

#include <map>
#include <optional>

#include "descent/nn/batch_norm2d.hpp"
#include "descent/nn/normalization.hpp"
#include "descent/ops/ops.hpp"
#include "descent/tensor/grad_mode.hpp"

namespace descent {

// swa_utils.AveragedModel's default avg_fn:
//   averaged_model_parameter + (model_parameter - averaged_model_parameter) / (num_averaged + 1)
Tensor equal_average(const Tensor& averaged, const Tensor& current, int64_t n_averaged) {
  const Tensor count = Tensor::scalar(static_cast<double>(n_averaged + 1), averaged.dtype());
  return add(averaged, div(sub(current, averaged), count));
}

AverageFunction exponential_average(double decay) {
  if (!(decay >= 0.0 && decay < 1.0))
    throw ValueError("exponential_average: decay must be in [0, 1), got " + format_number(decay));
  return [decay](const Tensor& averaged, const Tensor& current, int64_t) {
    return add(mul(averaged, decay), mul(current, 1.0 - decay));
  };
}

AveragedModel::AveragedModel(const Module& model, AverageFunction avg_fn, bool use_buffers)
    : num_parameters_(model.named_parameters().size()), avg_fn_(std::move(avg_fn)), use_buffers_(use_buffers) {
  NoGradGuard guard;
  for (const auto& [name, t] : model.state_dict()) average_.emplace_back(name, t.detach().clone());
}

AveragedModel AveragedModel::ema(const Module& model, double decay, bool use_buffers) {
  return AveragedModel(model, exponential_average(decay), use_buffers);
}

void AveragedModel::update_parameters(const Module& model) {
  const NamedTensors current = model.state_dict();
  if (current.size() != average_.size())
    throw ValueError("AveragedModel::update_parameters: the model has " + std::to_string(current.size()) +
                     " parameters and buffers, the average " + std::to_string(average_.size()));
  NoGradGuard guard;
  for (std::size_t i = 0; i < average_.size(); ++i) {
    Tensor& averaged = average_[i].second;
    const Tensor value = current[i].second.detach();
    const bool averages = i < num_parameters_ || use_buffers_;
    if (n_averaged_ == 0 || !averages)
      averaged.copy_(value);
    else
      averaged.copy_(avg_fn_(averaged, value, n_averaged_));
  }
  ++n_averaged_;
}

void AveragedModel::load_state_dict(const NamedTensors& tensors, int64_t n_averaged) {
  if (tensors.size() != average_.size())
    throw ValueError("AveragedModel::load_state_dict: expected " + std::to_string(average_.size()) + " tensors, got " +
                     std::to_string(tensors.size()));
  if (n_averaged < 0) throw ValueError("AveragedModel::load_state_dict: n_averaged must be >= 0");
  std::map<std::string, Tensor> by_name(tensors.begin(), tensors.end());
  for (const auto& [name, t] : average_) {
    const auto it = by_name.find(name);
    if (it == by_name.end()) throw ValueError("AveragedModel::load_state_dict: '" + name + "' is missing");
    if (it->second.shape() != t.shape())
      throw ValueError("AveragedModel::load_state_dict: '" + name + "' has shape " + it->second.shape().str() +
                       ", expected " + t.shape().str());
  }
  NoGradGuard guard;
  for (auto& [name, t] : average_) t.copy_(by_name.at(name));
  n_averaged_ = n_averaged;
}

// ---------------------------------------------------------------- update_bn

namespace {

// A batch-norm layer with running statistics and the place its momentum lives.
struct BatchNormLayer {
  NormBase* layer;
  std::optional<double>* momentum;
};

void collect_batch_norm(const Module& module, std::vector<BatchNormLayer>& out) {
  for (const auto& [name, child] : module.children()) {
    if (auto* bn1 = dynamic_cast<BatchNorm1d*>(child.get()))
      out.push_back({bn1, &bn1->momentum});
    else if (auto* bn2 = dynamic_cast<BatchNorm2d*>(child.get()); bn2 && bn2->running_mean.defined())
      out.push_back({bn2, &bn2->momentum});
    collect_batch_norm(*child, out);
  }
}

std::vector<BatchNormLayer> batch_norm_layers(const Module& model) {
  std::vector<BatchNormLayer> layers;
  collect_batch_norm(model, layers);
  return layers;
}

}  // namespace

bool has_batch_norm(const Module& model) { return !batch_norm_layers(model).empty(); }

bool update_bn(DataLoader& loader, Module& model) {
  const std::vector<BatchNormLayer> layers = batch_norm_layers(model);
  if (layers.empty()) return false;
  std::map<NormBase*, std::optional<double>> momenta;
  {
    NoGradGuard guard;
    for (const BatchNormLayer& bn : layers) {
      bn.layer->running_mean.copy_(Tensor::zeros_like(bn.layer->running_mean));
      bn.layer->running_var.copy_(Tensor::ones_like(bn.layer->running_var));
      bn.layer->num_batches_tracked.copy_(Tensor::zeros_like(bn.layer->num_batches_tracked));
      momenta[bn.layer] = *bn.momentum;
      *bn.momentum = std::nullopt;  // the cumulative average
    }
  }
  const bool was_training = model.is_training();
  model.train();
  {
    NoGradGuard guard;  // torch runs update_bn with grad on; no gradient is ever used
    for (const Batch& batch : loader) model(batch.x);
  }
  for (const BatchNormLayer& bn : layers) *bn.momentum = momenta[bn.layer];
  model.train(was_training);
  return true;
}

}  // namespace descent
