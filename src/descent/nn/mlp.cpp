// MLP construction: Linear layers with activations (and optional dropout, batch norm) between.
// Model and initializer specs are read with the one spec grammar (spec/spec.hpp).
#include "descent/nn/mlp.hpp"

#include <algorithm>
#include <cmath>

#include "descent/nn/init.hpp"
#include "descent/nn/normalization.hpp"
#include "descent/spec/spec.hpp"

namespace descent {

std::vector<int64_t> parse_model_spec(const std::string& text) {
  const spec::Spec model = spec::parse(text, "model");
  if (!model.inner.empty()) spec::fail(model, model.name + " takes no inner spec");
  if (model.name == "linear") {
    if (!model.args.empty()) spec::fail(model, "linear takes no arguments");
    return {};
  }
  if (model.name != "mlp")
    spec::fail(model, "unknown model '" + model.name + "' (expected linear or mlp:H1-H2-..., e.g. mlp:256-128)");
  if (model.args.size() != 1 || !model.args[0].key.empty())
    spec::fail(model, "expected the hidden sizes as mlp:H1-H2-..., e.g. mlp:256-128");
  std::vector<int64_t> sizes;
  const std::string& hidden = model.args[0].value;
  for (std::size_t start = 0;;) {
    const std::size_t dash = hidden.find('-', start);
    const spec::Arg token{"", hidden.substr(start, dash == std::string::npos ? std::string::npos : dash - start)};
    const int64_t size = token.value.empty() ? 0 : spec::to_integer(model, token);
    if (size <= 0) spec::fail(model, "hidden size '" + token.value + "' is not a positive integer");
    sizes.push_back(size);
    if (dash == std::string::npos) return sizes;
    start = dash + 1;
  }
}

InitChoice parse_init(const std::string& text) {
  const spec::Spec init = spec::parse(text, "init");
  static const std::vector<std::string> schemes{"default",         "xavier_uniform", "xavier_normal",
                                                "kaiming_uniform", "kaiming_normal", "nielsen"};
  if (std::find(schemes.begin(), schemes.end(), init.name) == schemes.end())
    spec::fail(init, "unknown init '" + init.name + "' (expected " + spec::joined(schemes) + ")");
  if (!init.inner.empty()) spec::fail(init, init.name + " takes no inner spec");
  if (init.name == "default" && !init.args.empty())
    spec::fail(init, "default (torch.nn.Linear's initialization) takes no options");
  if (init.name == "nielsen" && !init.args.empty())
    spec::fail(init, "nielsen draws weights from N(0, 1/n_in) and biases from N(0, 1), and takes no options");
  static const spec::Fields<InitChoice> fields{
      {"bias", &InitChoice::bias, "a constant for every bias (zeros otherwise)"}};
  InitChoice choice = fields.read(init);
  choice.scheme = init.name;
  return choice;
}

void apply_init(Tensor& weight, Tensor& bias, const InitChoice& init, const std::string& activation, Generator* gen) {
  if (init.scheme == "default") return;
  // Nielsen, "Neural Networks and Deep Learning", ch. 3 (network2.py's default_weight_initializer):
  // weights N(0, 1/n_in), biases N(0, 1).
  if (init.scheme == "nielsen") {
    const int64_t fan_in = weight.numel() / weight.size(0);
    init::normal_(weight, 0.0, 1.0 / std::sqrt(static_cast<double>(fan_in)), gen);
    if (bias.defined()) init::normal_(bias, 0.0, 1.0, gen);
    return;
  }
  // The gain follows the activation that comes after the layer (torch.nn.init.calculate_gain).
  const std::string nl = activation == "gelu" ? "relu" : activation;
  if (init.scheme == "xavier_uniform")
    init::xavier_uniform_(weight, init::calculate_gain(nl), gen);
  else if (init.scheme == "xavier_normal")
    init::xavier_normal_(weight, init::calculate_gain(nl), gen);
  else if (init.scheme == "kaiming_uniform")
    init::kaiming_uniform_(weight, 0.01, init::FanMode::fan_in, nl, gen);
  else
    init::kaiming_normal_(weight, 0.01, init::FanMode::fan_in, nl, gen);
  if (bias.defined()) init::constant_(bias, init.bias);
}

std::shared_ptr<Sequential> make_mlp(const std::string& spec, int64_t in_features, int64_t out_features,
                                     const MlpOptions& o, Generator* gen) {
  const std::vector<int64_t> hidden = parse_model_spec(spec);
  if (in_features <= 0 || out_features <= 0)
    throw ValueError("model spec '" + spec + "' cannot fit data with " + std::to_string(in_features) +
                     " features and " + std::to_string(out_features) + " outputs");
  make_activation(o.activation);  // validates the names before building anything
  const InitChoice init = parse_init(o.init);
  auto model = std::make_shared<Sequential>();
  int64_t width = in_features;
  for (int64_t h : hidden) {
    auto layer = std::make_shared<Linear>(width, h, true, o.dtype, gen);
    apply_init(layer->weight, layer->bias, init, o.activation, gen);
    model->push_back(layer);
    if (o.batch_norm) model->push_back(std::make_shared<BatchNorm1d>(h, 1e-5, 0.1, true, o.dtype));
    model->push_back(make_activation(o.activation));
    if (o.dropout > 0) model->push_back(std::make_shared<Dropout>(o.dropout));
    width = h;
  }
  auto head = std::make_shared<Linear>(width, out_features, true, o.dtype, gen);
  apply_init(head->weight, head->bias, init, "linear", gen);
  model->push_back(head);
  return model;
}

}  // namespace descent
