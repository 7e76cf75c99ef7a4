// MLP construction: Linear layers with activations (and optional dropout, batch norm) between.
#include "descent/nn/mlp.hpp"

#include "descent/nn/init.hpp"
#include "descent/nn/normalization.hpp"

namespace descent {

std::vector<int64_t> parse_model_spec(const std::string& spec) {
  if (spec == "linear") return {};
  const std::string prefix = "mlp:";
  if (spec.rfind(prefix, 0) != 0)
    throw ValueError("unknown model spec '" + spec + "' (expected 'linear' or 'mlp:H1-H2-...', e.g. mlp:256-128)");
  std::vector<int64_t> sizes;
  std::string rest = spec.substr(prefix.size());
  std::size_t pos = 0;
  while (pos <= rest.size()) {
    const std::size_t dash = rest.find('-', pos);
    const std::string token = rest.substr(pos, dash == std::string::npos ? std::string::npos : dash - pos);
    std::size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(token, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (token.empty() || used != token.size() || v <= 0)
      throw ValueError("model spec '" + spec + "': hidden size '" + token + "' is not a positive integer");
    sizes.push_back(v);
    if (dash == std::string::npos) break;
    pos = dash + 1;
  }
  return sizes;
}

namespace {

void apply_init(Linear& layer, const std::string& init_spec, const std::string& activation, Generator* gen) {
  if (init_spec == "default") return;
  std::string scheme = init_spec;
  double bias_value = 0.0;
  if (const auto colon = init_spec.find(':'); colon != std::string::npos) {
    scheme = init_spec.substr(0, colon);
    const std::string opt = init_spec.substr(colon + 1);
    if (opt.rfind("bias=", 0) != 0)
      throw ValueError("init spec '" + init_spec + "': unknown option '" + opt + "' (expected bias=VALUE)");
    try {
      bias_value = std::stod(opt.substr(5));
    } catch (const std::exception&) {
      throw ValueError("init spec '" + init_spec + "': bias value '" + opt.substr(5) + "' is not a number");
    }
  }
  // The gain follows the activation that comes after the layer (torch.nn.init.calculate_gain).
  const std::string nl = activation == "gelu" ? "relu" : activation;
  if (scheme == "xavier_uniform") init::xavier_uniform_(layer.weight, init::calculate_gain(nl), gen);
  else if (scheme == "xavier_normal") init::xavier_normal_(layer.weight, init::calculate_gain(nl), gen);
  else if (scheme == "kaiming_uniform") init::kaiming_uniform_(layer.weight, 0.01, init::FanMode::fan_in, nl, gen);
  else if (scheme == "kaiming_normal") init::kaiming_normal_(layer.weight, 0.01, init::FanMode::fan_in, nl, gen);
  else
    throw ValueError("unknown init '" + scheme +
                     "' (expected default, xavier_uniform, xavier_normal, kaiming_uniform or kaiming_normal)");
  if (layer.bias.defined()) init::constant_(layer.bias, bias_value);
}

}  // namespace

std::shared_ptr<Sequential> make_mlp(const std::string& spec, int64_t in_features, int64_t out_features,
                                     const MlpOptions& o, Generator* gen) {
  const std::vector<int64_t> hidden = parse_model_spec(spec);
  if (in_features <= 0 || out_features <= 0)
    throw ValueError("model spec '" + spec + "' cannot fit data with " + std::to_string(in_features) +
                     " features and " + std::to_string(out_features) + " outputs");
  make_activation(o.activation);  // validates the name before building anything
  auto model = std::make_shared<Sequential>();
  int64_t width = in_features;
  for (int64_t h : hidden) {
    auto layer = std::make_shared<Linear>(width, h, true, o.dtype, gen);
    apply_init(*layer, o.init, o.activation, gen);
    model->push_back(layer);
    if (o.batch_norm) model->push_back(std::make_shared<BatchNorm1d>(h, 1e-5, 0.1, true, o.dtype));
    model->push_back(make_activation(o.activation));
    if (o.dropout > 0) model->push_back(std::make_shared<Dropout>(o.dropout));
    width = h;
  }
  auto head = std::make_shared<Linear>(width, out_features, true, o.dtype, gen);
  apply_init(*head, o.init, "linear", gen);
  model->push_back(head);
  return model;
}

}  // namespace descent
