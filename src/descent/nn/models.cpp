// Conv models from a spec: the cnn:... grammar, the named nets written in it, and the CIFAR
// ResNets of He et al. 2016 (section 4.2) with and without skip connections.
#include "descent/nn/models.hpp"

#include <cctype>
#include <limits>

#include "descent/nn/batch_norm2d.hpp"
#include "descent/nn/conv.hpp"
#include "descent/nn/normalization.hpp"
#include "descent/nn/pooling.hpp"
#include "descent/nn/residual.hpp"
#include "descent/nn/shape_layers.hpp"
#include "descent/spec/spec.hpp"

namespace descent {

namespace {

// The named stacks, in the cnn grammar. 2c2d's and 3c3d's 'same' pooling is TensorFlow's, as
// DeepOBS (tf.layers.max_pooling2d(padding="same")) builds them.
struct NamedStack {
  const char* name;
  const char* layers;
};
constexpr NamedStack kNamedStacks[] = {
    {"lenet5", "c6k5p2-m2-c16k5-m2-f120-f84"},
    {"2c2d", "c32k5same-m2-c64k5same-m2-f1024"},
    {"3c3d", "c64k5-m3s2same-c96k3-m3s2same-c128k3same-m3s2same-f512-f256"},
};

// One token of a cnn spec: c (conv), m (max-pool), a (avg-pool) or f (fully connected).
struct CnnLayer {
  char kind = 0;
  int64_t size = 0;    // conv: output channels; pool: kernel; fc: units
  int64_t kernel = 0;  // conv only
  int64_t padding = 0;
  int64_t stride = 0;  // 0: 1 for a conv, the kernel for a pool
  bool same = false;
  std::string text;  // the token, for messages
};

struct ParsedModel {
  spec::Spec spec;
  enum class Kind { mlp, cnn, resnet } kind = Kind::mlp;
  std::vector<CnnLayer> layers;  // cnn
  int64_t blocks_per_stage = 0;  // resnet: n of depth 6n + 2
  Shortcut shortcut = Shortcut::A;
};

// Reads the digits at `pos` of a token (moving past them) as a number of at least `minimum`.
int64_t read_number(const spec::Spec& model, const std::string& token, std::size_t& pos, int64_t minimum = 1) {
  const std::size_t start = pos;
  while (pos < token.size() && std::isdigit(static_cast<unsigned char>(token[pos]))) ++pos;
  const bool digits = pos > start && pos - start < 10;
  const int64_t value = digits ? std::stoll(token.substr(start, pos - start)) : -1;
  if (value < minimum)
    spec::fail(model, "layer '" + token + "': expected a number >= " + std::to_string(minimum) + " at '" +
                          token.substr(start) + "'");
  return value;
}

CnnLayer parse_layer(const spec::Spec& model, const std::string& token) {
  CnnLayer layer{.text = token};
  if (token.empty() || std::string_view("cmaf").find(token[0]) == std::string_view::npos)
    spec::fail(model, "layer '" + token +
                          "': expected c (conv), m (max-pool), a (avg-pool) or f (fully connected) "
                          "and a number, e.g. c32k5p2-m2-f1024");
  layer.kind = token[0];
  std::size_t pos = 1;
  layer.size = read_number(model, token, pos);
  std::string seen;
  while (pos < token.size()) {
    if (token.compare(pos, 4, "same") == 0) {
      layer.same = true;
      pos += 4;
      continue;
    }
    const char key = token[pos++];
    if (std::string_view("kps").find(key) == std::string_view::npos || seen.find(key) != std::string::npos)
      spec::fail(model, "layer '" + token + "': unexpected '" + std::string(1, key) +
                            "' (expected k, p, s or same, each once)");
    seen += key;
    const int64_t value = read_number(model, token, pos, key == 'p' ? 0 : 1);
    (key == 'k' ? layer.kernel : key == 'p' ? layer.padding : layer.stride) = value;
  }
  const bool conv = layer.kind == 'c';
  if (conv != (layer.kernel > 0))
    spec::fail(model, "layer '" + token + "': " + (conv ? "a conv needs its kernel size (k5)" : "only a conv takes k"));
  if (layer.kind == 'f' && (layer.padding > 0 || layer.stride > 0 || layer.same))
    spec::fail(model, "layer '" + token + "': a fully connected layer takes only its size (f1024)");
  if (layer.same && (layer.kind == 'a' || layer.padding > 0 || (conv && layer.stride > 1)))
    spec::fail(model, "layer '" + token + "': 'same' goes with a conv of stride 1 or a max-pool, without p");
  return layer;
}

// "resnet20" -> n = 3; a depth not of the form 6n + 2 is refused.
int64_t resnet_blocks(const spec::Spec& model, const std::string& prefix) {
  const std::string digits = model.name.substr(prefix.size());
  const bool numeric =
      !digits.empty() && digits.size() < 6 && digits.find_first_not_of("0123456789") == std::string::npos;
  const int64_t depth = numeric ? std::stoll(digits) : 0;
  if (depth < 8 || (depth - 2) % 6 != 0)
    spec::fail(model, prefix + "N needs a depth N = 6n + 2 with n >= 1 (" + prefix + "20, " + prefix + "32, " + prefix +
                          "56, ...); " + (numeric ? digits + " is not" : "'" + digits + "' is not a depth"));
  return (depth - 2) / 6;
}

ParsedModel parse_model(const std::string& text) {
  ParsedModel parsed;
  parsed.spec = spec::parse(text, "model");
  const spec::Spec& model = parsed.spec;
  if (model.name == "linear" || model.name == "mlp") {
    parse_model_spec(text);
    return parsed;
  }
  if (!model.inner.empty()) spec::fail(model, model.name + " takes no inner spec");
  std::string stack;
  if (model.name == "cnn") {
    if (model.args.size() != 1 || !model.args[0].key.empty())
      spec::fail(model, "expected the layers as cnn:LAYER-LAYER-..., e.g. cnn:c32k5p2-m2-c64k5p2-m2-f1024");
    stack = model.args[0].value;
  } else if (!model.args.empty()) {
    spec::fail(model, model.name + " takes no arguments");
  }
  for (const NamedStack& named : kNamedStacks)
    if (model.name == named.name) stack = named.layers;
  if (!stack.empty()) {
    parsed.kind = ParsedModel::Kind::cnn;
    for (std::size_t start = 0;;) {
      const std::size_t dash = stack.find('-', start);
      parsed.layers.push_back(parse_layer(model, stack.substr(start, dash == std::string::npos ? dash : dash - start)));
      if (dash == std::string::npos) return parsed;
      start = dash + 1;
    }
  }
  for (const char* prefix : {"resnet", "plain"}) {
    if (model.name.rfind(prefix, 0) != 0) continue;
    parsed.kind = ParsedModel::Kind::resnet;
    parsed.blocks_per_stage = resnet_blocks(model, prefix);
    parsed.shortcut = std::string(prefix) == "plain" ? Shortcut::none : Shortcut::A;
    return parsed;
  }
  std::vector<std::string> names{"linear", "mlp:H1-H2-...", "cnn:LAYER-..."};
  for (const NamedModel& named : named_models()) names.push_back(named.name);
  spec::fail(model, "unknown model '" + model.name + "' (expected " + spec::joined(names) + ")");
}

// The (C, H, W) a cnn layer sees, or the features once a fully connected layer flattened it.
struct FeatureShape {
  int64_t channels = 0, height = 0, width = 0;
  int64_t features = 0;  // > 0 once flat

  std::string str() const {
    return std::to_string(channels) + "@" + std::to_string(height) + "x" + std::to_string(width);
  }
};

// Refuses a window larger than the padded input, naming the layer and the shapes.
void check_window(const spec::Spec& model, const CnnLayer& layer, std::size_t index, const FeatureShape& in,
                  int64_t kernel, int64_t padding) {
  if (std::min(in.height, in.width) + 2 * padding < kernel)
    spec::fail(model, "layer " + std::to_string(index + 1) + " '" + layer.text + "' has a " + std::to_string(kernel) +
                          "x" + std::to_string(kernel) + " window but its input is " + in.str() + " with padding " +
                          std::to_string(padding));
}

// The output size of a window of `kernel` sliding with `stride` over `size` padded on both sides.
int64_t slide(int64_t size, int64_t kernel, int64_t padding, int64_t stride) {
  return (size + 2 * padding - kernel) / stride + 1;
}

void add_conv(Sequential& model, const spec::Spec& spec, const CnnLayer& layer, std::size_t index, FeatureShape& shape,
              const MlpOptions& o, const InitChoice& init, Generator* gen) {
  const int64_t stride = layer.stride > 0 ? layer.stride : 1;
  if (!layer.same) check_window(spec, layer, index, shape, layer.kernel, layer.padding);
  auto conv =
      std::make_shared<Conv2d>(shape.channels, layer.size, layer.kernel,
                               Conv2dOptions{.stride = stride, .padding = layer.padding, .padding_same = layer.same},
                               o.dtype, gen);
  apply_init(conv->weight, conv->bias, init, o.activation, gen);
  model.push_back(conv);
  if (o.batch_norm) model.push_back(std::make_shared<BatchNorm2d>(layer.size, 1e-5, 0.1, true, true, o.dtype));
  model.push_back(make_activation(o.activation));
  shape.channels = layer.size;
  if (!layer.same) {
    shape.height = slide(shape.height, layer.kernel, layer.padding, stride);
    shape.width = slide(shape.width, layer.kernel, layer.padding, stride);
  }
}

// TensorFlow's 'SAME' pooling: ceil(size / stride) outputs, the padding that needs split with
// the extra one after. Padding with -inf leaves every maximum as it was (each window holds at
// least one input), as TensorFlow's pooling ignores the padding.
void add_pool(Sequential& model, const spec::Spec& spec, const CnnLayer& layer, std::size_t index,
              FeatureShape& shape) {
  const int64_t kernel = layer.size, stride = layer.stride > 0 ? layer.stride : layer.size;
  if (layer.same) {
    auto same_padding = [&](int64_t size) {
      return std::max<int64_t>(((size + stride - 1) / stride - 1) * stride + kernel - size, 0);
    };
    const int64_t pad_h = same_padding(shape.height), pad_w = same_padding(shape.width);
    if (pad_h > 0 || pad_w > 0)
      model.push_back(std::make_shared<ConstantPad2d>(std::vector<int64_t>{pad_w / 2, pad_w - pad_w / 2, pad_h / 2,
                                                                           pad_h - pad_h / 2},
                                                      -std::numeric_limits<double>::infinity()));
    shape.height += pad_h;
    shape.width += pad_w;
  }
  if (2 * layer.padding > kernel)
    spec::fail(spec, "layer " + std::to_string(index + 1) + " '" + layer.text + "': padding " +
                         std::to_string(layer.padding) + " is more than half the kernel " + std::to_string(kernel));
  check_window(spec, layer, index, shape, kernel, layer.padding);
  if (layer.kind == 'm')
    model.push_back(std::make_shared<MaxPool2d>(kernel, stride, layer.padding));
  else
    model.push_back(std::make_shared<AvgPool2d>(kernel, stride, layer.padding));
  shape.height = slide(shape.height, kernel, layer.padding, stride);
  shape.width = slide(shape.width, kernel, layer.padding, stride);
}

std::shared_ptr<Sequential> make_cnn(const ParsedModel& parsed, const Shape& image, int64_t out_features,
                                     const MlpOptions& o, Generator* gen) {
  make_activation(o.activation);  // validates the names before building anything
  const InitChoice init = parse_init(o.init);
  auto model = std::make_shared<Sequential>();
  model->push_back(std::make_shared<Unflatten>(image));
  FeatureShape shape{.channels = image[0], .height = image[1], .width = image[2]};
  auto flatten = [&] {
    if (shape.features > 0) return;
    model->push_back(std::make_shared<Flatten>());
    shape.features = shape.channels * shape.height * shape.width;
  };
  for (std::size_t index = 0; index < parsed.layers.size(); ++index) {
    const CnnLayer& layer = parsed.layers[index];
    if (layer.kind != 'f' && shape.features > 0)
      spec::fail(parsed.spec, "layer " + std::to_string(index + 1) + " '" + layer.text +
                                  "': a conv or pooling layer cannot follow a fully connected one");
    if (layer.kind == 'c') add_conv(*model, parsed.spec, layer, index, shape, o, init, gen);
    if (layer.kind == 'm' || layer.kind == 'a') add_pool(*model, parsed.spec, layer, index, shape);
    if (layer.kind != 'f') continue;
    flatten();
    auto linear = std::make_shared<Linear>(shape.features, layer.size, true, o.dtype, gen);
    apply_init(linear->weight, linear->bias, init, o.activation, gen);
    model->push_back(linear);
    if (o.batch_norm) model->push_back(std::make_shared<BatchNorm1d>(layer.size, 1e-5, 0.1, true, o.dtype));
    model->push_back(make_activation(o.activation));
    if (o.dropout > 0) model->push_back(std::make_shared<Dropout>(o.dropout));
    shape.features = layer.size;
  }
  flatten();
  auto head = std::make_shared<Linear>(shape.features, out_features, true, o.dtype, gen);
  apply_init(head->weight, head->bias, init, "linear", gen);
  model->push_back(head);
  return model;
}

// He et al. 2016, section 4.2: the first layer a 3x3 conv, then 3 stages of n blocks on maps of
// 32, 16 and 8 (for CIFAR's 32x32) with 16, 32 and 64 filters, global average pooling and a
// fully connected classifier. Convs without bias, as the batch norm after each has one.
std::shared_ptr<Sequential> make_resnet(const ParsedModel& parsed, const Shape& image, int64_t out_features,
                                        const MlpOptions& o, Generator* gen) {
  if (o.activation != "relu" || o.init != "default" || o.batch_norm)
    spec::fail(parsed.spec, parsed.spec.name +
                                " has ReLU, batch norm and torch's initialization built in; "
                                "--activation, --init and --batch-norm do not apply");
  auto model = std::make_shared<Sequential>();
  model->push_back(std::make_shared<Unflatten>(image));
  model->push_back(std::make_shared<Conv2d>(image[0], 16, 3, Conv2dOptions{.padding = 1, .bias = false}, o.dtype, gen));
  model->push_back(std::make_shared<BatchNorm2d>(16, 1e-5, 0.1, true, true, o.dtype));
  model->push_back(std::make_shared<ReLU>());
  int64_t in_planes = 16;
  for (int64_t stage = 0; stage < 3; ++stage) {
    const int64_t planes = 16 << stage;
    for (int64_t block = 0; block < parsed.blocks_per_stage; ++block) {
      const int64_t stride = stage > 0 && block == 0 ? 2 : 1;
      model->push_back(std::make_shared<BasicBlock>(in_planes, planes, stride, parsed.shortcut, o.dtype, gen));
      in_planes = planes;
    }
  }
  model->push_back(std::make_shared<AdaptiveAvgPool2d>(1));
  model->push_back(std::make_shared<Flatten>());
  model->push_back(std::make_shared<Linear>(in_planes, out_features, true, o.dtype, gen));
  return model;
}

}  // namespace

const std::vector<NamedModel>& named_models() {
  static const std::vector<NamedModel> models{
      {"lenet5", "LeNet-5 (LeCun et al. 1998): cnn:c6k5p2-m2-c16k5-m2-f120-f84"},
      {"2c2d", "DeepOBS's fmnist_2c2d: cnn:c32k5same-m2-c64k5same-m2-f1024"},
      {"3c3d", "DeepOBS's cifar10_3c3d: cnn:c64k5-m3s2same-c96k3-m3s2same-c128k3same-m3s2same-f512-f256"},
      {"resnetN", "CIFAR ResNet of depth N = 6n + 2 (He et al. 2016, section 4.2): resnet20, resnet32, resnet56"},
      {"plainN", "resnetN without skip connections (Li et al. 2018): plain20, plain56"},
  };
  return models;
}

bool is_conv_model(const std::string& spec) { return parse_model(spec).kind != ParsedModel::Kind::mlp; }

void check_model_spec(const std::string& spec) { parse_model(spec); }

Shape image_shape_of(const Shape& item_shape, const std::string& model_spec) {
  if (item_shape.rank() == 3) return item_shape;
  if (item_shape.rank() == 2) return Shape{1, item_shape[0], item_shape[1]};
  throw ValueError("model '" + model_spec + "' is a conv net and needs images (C, H, W), but the data's examples are " +
                   item_shape.str() + " (flat features); use linear or mlp:... for tables");
}

std::shared_ptr<Sequential> make_model(const std::string& spec, const Shape& item_shape, int64_t out_features,
                                       const MlpOptions& options, Generator* gen) {
  const ParsedModel parsed = parse_model(spec);
  if (parsed.kind == ParsedModel::Kind::mlp) return make_mlp(spec, item_shape.numel(), out_features, options, gen);
  const Shape image = image_shape_of(item_shape, spec);
  if (parsed.kind == ParsedModel::Kind::cnn) return make_cnn(parsed, image, out_features, options, gen);
  return make_resnet(parsed, image, out_features, options, gen);
}

}  // namespace descent
