// Modules as a LibTorch user writes them: a subclass that only defines forward and registers
// its members, forwards of several tensors, activations as classes, Sequential built from
// modules by value or shared_ptr with typed access, and module.to(dtype).
#include <gtest/gtest.h>

#include <string>

#include "descent/descent.hpp"

using namespace descent;

namespace {

// The least a model needs: members registered, forward defined; no name(), no repr.
class TwoLayer : public Module {
 public:
  TwoLayer() {
    fc1 = register_module("fc1", Linear(4, 8, true, DType::f64));
    fc2 = register_module("fc2", std::make_shared<Linear>(8, 2, true, DType::f64));
  }
  Tensor forward(const Tensor& x) override { return fc2->forward(fc1->forward(x).relu()); }
  std::shared_ptr<Linear> fc1, fc2;
};

// A forward of two tensors; called directly, never through Module::forward.
class Masked : public Module {
 public:
  Masked() : Module("MaskedBlock") { fc = register_module("fc", Linear(3, 3, true, DType::f64)); }
  Tensor forward(const Tensor& x, const Tensor& mask) { return mul(fc->forward(x), mask); }
  std::shared_ptr<Linear> fc;
};

// LibTorch's spelling: the tensor by value. It hides Module::forward rather than overriding it.
class ByValue : public Module {
 public:
  Tensor forward(Tensor x) { return x; }
};

Tensor sample(uint64_t seed, Shape shape) {
  Generator gen(seed);
  return Tensor::normal(shape, 0.0, 1.0, DType::f64, &gen);
}

std::vector<std::string> names_of(const NamedTensors& tensors) {
  std::vector<std::string> names;
  for (const auto& [name, tensor] : tensors) names.push_back(name);
  return names;
}

std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace

static_assert(SingleInputModule<Linear> && SingleInputModule<TwoLayer> && SingleInputModule<Module>);
static_assert(!SingleInputModule<Masked>);
static_assert(ForwardTakesTensorByValue<ByValue> && !ForwardTakesTensorByValue<TwoLayer>);
static_assert(ModuleArgument<ReLU> && ModuleArgument<std::shared_ptr<Linear>> && !ModuleArgument<Tensor>);

TEST(ModuleApi, SubclassNeedsOnlyForwardAndItsMembers) {
  TwoLayer net;
  EXPECT_EQ(net.name(), "TwoLayer");
  EXPECT_EQ(names_of(net.named_parameters()),
            (std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}));
  EXPECT_EQ(net.repr(),
            "TwoLayer(\n  (fc1): Linear(in_features=4, out_features=8, bias=true)\n"
            "  (fc2): Linear(in_features=8, out_features=2, bias=true)\n)");
  const Tensor x = sample(1, {5, 4});
  const Module& as_module = net;
  EXPECT_EQ(net(x).to_vector(),
            linear(relu(linear(x, net.fc1->weight, net.fc1->bias)), net.fc2->weight, net.fc2->bias).to_vector());
  EXPECT_EQ(as_module.num_parameters(), 4 * 8 + 8 + 8 * 2 + 2);
}

TEST(ModuleApi, ForwardOfSeveralTensorsIsCalledDirectly) {
  Masked block;
  EXPECT_EQ(block.name(), "MaskedBlock");  // the name given at construction
  const Tensor x = sample(2, {2, 3}), mask = Tensor::ones(Shape{2, 3}, DType::f64);
  EXPECT_EQ(block.forward(x, mask).to_vector(), block.fc->forward(x).to_vector());
  Module& as_module = block;
  const std::string message = message_of([&] { as_module(x); });
  EXPECT_NE(message.find("Module MaskedBlock has no single-input forward"), std::string::npos) << message;
}

TEST(ModuleApi, ByValueForwardFailsWithTheFix) {
  ByValue module;
  const Tensor x = sample(3, {2});
  EXPECT_EQ(module.forward(x).to_vector(), x.to_vector());  // called on the class itself
  Module& as_module = module;
  const std::string message = message_of([&] { as_module.forward(x); });
  EXPECT_NE(message.find("Module ByValue has no single-input forward"), std::string::npos) << message;
  EXPECT_NE(message.find("Tensor forward(const Tensor& x) override"), std::string::npos) << message;
}

TEST(ModuleApi, ActivationsAreClassesAsTheirOps) {
  const Tensor x = sample(4, {3, 5});
  EXPECT_EQ(ReLU()(x).to_vector(), relu(x).to_vector());
  EXPECT_EQ(LeakyReLU(0.2)(x).to_vector(), leaky_relu(x, 0.2).to_vector());
  EXPECT_EQ(Sigmoid()(x).to_vector(), sigmoid(x).to_vector());
  EXPECT_EQ(Tanh()(x).to_vector(), tanh(x).to_vector());
  EXPECT_EQ(GELU()(x).to_vector(), gelu(x).to_vector());
  EXPECT_EQ(GELU("tanh")(x).to_vector(), gelu(x, true).to_vector());
  EXPECT_EQ(Softmax(0)(x).to_vector(), softmax(x, 0).to_vector());
  EXPECT_EQ(LogSoftmax(1)(x).to_vector(), log_softmax(x, 1).to_vector());
  EXPECT_THROW(GELU("erf"), ValueError);

  EXPECT_EQ(std::make_shared<ReLU>()->repr(), "ReLU()");
  EXPECT_EQ(LeakyReLU().repr(), "LeakyReLU(negative_slope=0.01)");
  EXPECT_EQ(GELU("tanh").repr(), "GELU(approximate='tanh')");
  EXPECT_EQ(GELU().repr(), "GELU()");
  EXPECT_EQ(Softmax().repr(), "Softmax(dim=-1)");
  EXPECT_EQ(LogSoftmax(1).repr(), "LogSoftmax(dim=1)");
  EXPECT_EQ(make_activation("tanh")->repr(), "Tanh()");
  EXPECT_EQ(make_activation("leaky_relu")->repr(), "LeakyReLU(negative_slope=0.01)");
}

TEST(ModuleApi, SequentialFromModulesByValueAndSharedPtr) {
  auto head = std::make_shared<Linear>(64, 2);
  Sequential seq(Linear(2, 64), ReLU(), head);
  auto model = std::make_shared<Sequential>(Linear(2, 8), std::make_shared<Tanh>(), Linear(8, 2), LogSoftmax(1));
  EXPECT_EQ(seq.size(), 3u);
  EXPECT_EQ(model->size(), 4u);
  EXPECT_EQ(names_of(seq.state_dict()), (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  EXPECT_EQ(&seq.at<Linear>(2), head.get());
  EXPECT_EQ(model->at<Linear>(2).out_features, 2);
  EXPECT_EQ(model->at<LogSoftmax>(3).dim, 1);
  const std::string mismatch = message_of([&] { model->at<Linear>(1); });
  EXPECT_NE(mismatch.find("layer 1 is a Tanh, not a Linear"), std::string::npos) << mismatch;
  const std::string out_of_range = message_of([&] { seq.at<Linear>(3); });
  EXPECT_NE(out_of_range.find("index 3 is out of range for 3 layers"), std::string::npos) << out_of_range;
  Sequential nested{Sequential(Linear(2, 2), ReLU()), Linear(2, 1)};
  EXPECT_EQ(names_of(nested.named_parameters()),
            (std::vector<std::string>{"0.0.weight", "0.0.bias", "1.weight", "1.bias"}));
  EXPECT_EQ(nested.at<Sequential>(0).at<ReLU>(1).name(), "ReLU");
}

TEST(ModuleApi, SequentialReprAndStateDictNamesAsMakeMlp) {
  // Weights files written from a make_mlp model load into the same model spelled out.
  Generator g1(7), g2(8);
  auto from_spec = make_mlp("mlp:8", 6, 3, {}, &g1);
  Sequential spelled{Linear(6, 8, true, DType::f32, &g2), ReLU(), Linear(8, 3, true, DType::f32, &g2)};
  EXPECT_EQ(spelled.repr(), from_spec->repr());
  EXPECT_EQ(spelled.repr(),
            "Sequential(\n  (0): Linear(in_features=6, out_features=8, bias=true)\n  (1): ReLU()\n"
            "  (2): Linear(in_features=8, out_features=3, bias=true)\n)");
  spelled.load_state_dict(from_spec->state_dict());
  const Tensor x = Tensor::ones(Shape{2, 6});
  EXPECT_EQ(spelled(x).to_vector(), (*from_spec)(x).to_vector());
}

TEST(ModuleApi, BracedSequentialInitializesLayersLeftToRight) {
  // A braced list is evaluated in order, so the layers draw from the generator as PyTorch's do.
  Generator braced_gen(9), pushed_gen(9);
  Sequential braced{Linear(3, 4, true, DType::f32, &braced_gen), Linear(4, 2, true, DType::f32, &braced_gen)};
  Sequential pushed;
  pushed.push_back(Linear(3, 4, true, DType::f32, &pushed_gen));
  pushed.push_back(Linear(4, 2, true, DType::f32, &pushed_gen));
  for (std::size_t i = 0; i < 4; ++i)
    EXPECT_EQ(braced.state_dict()[i].second.to_vector(), pushed.state_dict()[i].second.to_vector()) << i;
}

TEST(ModuleApi, ToConvertsParametersAndBuffersInPlace) {
  auto model = std::make_shared<Sequential>(Linear(3, 4), BatchNorm1d(4), ReLU(), Linear(4, 2));
  const NamedTensors before = model->state_dict();
  std::vector<std::vector<double>> values;
  for (const auto& [name, tensor] : before) values.push_back(tensor.to_vector());
  Tensor& weight = model->at<Linear>(0).weight;
  model->to(DType::f64);
  EXPECT_EQ(weight.dtype(), DType::f64);  // the layer's own handle sees the conversion
  EXPECT_TRUE(weight.requires_grad());
  const NamedTensors after = model->state_dict();
  ASSERT_EQ(names_of(after), names_of(before));
  for (std::size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].second.dtype(), DType::f64) << after[i].first;
    EXPECT_TRUE(after[i].second.is_same(before[i].second)) << after[i].first;
    EXPECT_EQ(after[i].second.to_vector(), values[i]) << after[i].first;
  }
  Tensor loss = (*model)(sample(10, {5, 3})).sum();
  loss.backward();
  EXPECT_EQ(weight.grad().dtype(), DType::f64);
}
