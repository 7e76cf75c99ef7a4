// Models by name and by spec (nn/models.hpp): the parameter counts the papers and DeepOBS give,
// torch.nn.Sequential's parameter names, output shapes, TensorFlow's 'same' max-pooling, one-line
// errors naming the layer and the shapes, and the summary's multiply-adds.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/throws.hpp"
#include "descent/descent.hpp"
#include "descent/nn/batch_norm2d.hpp"
#include "descent/nn/models.hpp"
#include "descent/nn/summary.hpp"

using namespace descent;

namespace {

std::shared_ptr<Sequential> build(const std::string& spec, const Shape& item, int64_t classes = 10,
                                  const MlpOptions& options = {}) {
  Generator gen(7);
  return make_model(spec, item, classes, options, &gen);
}

std::string error_of(const std::string& spec, const Shape& item, const MlpOptions& options = {}) {
  try {
    build(spec, item, 10, options);
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

Shape output_shape(Sequential& model, const Shape& item, int64_t batch = 2) {
  NoGradGuard guard;
  model.eval();
  return model.forward(Tensor::zeros(Shape{batch, item.numel()})).shape();
}

}  // namespace

// LeCun et al. 1998 with the first conv padded (28x28 in): 61,706 parameters; 2c2d and 3c3d
// as DeepOBS counts them (Schneider et al. 2019, table 1's test problems).
TEST(Models, NamedStacksHaveTheirParameterCounts) {
  EXPECT_EQ(build("lenet5", Shape{28, 28})->num_parameters(), 61706);
  EXPECT_EQ(build("2c2d", Shape{28, 28})->num_parameters(), 3274634);
  EXPECT_EQ(build("3c3d", Shape{3, 32, 32})->num_parameters(), 895210);
}

// He et al. 2016, table 6: ResNet-20 has 0.27M parameters (269,722 with option-A shortcuts).
TEST(Models, ResNetsHaveThePapersParameterCounts) {
  EXPECT_EQ(build("resnet20", Shape{3, 32, 32})->num_parameters(), 269722);
  EXPECT_EQ(build("plain20", Shape{3, 32, 32})->num_parameters(), 269722);
  EXPECT_NEAR(static_cast<double>(build("resnet56", Shape{3, 32, 32})->num_parameters()), 0.85e6, 0.01e6);
}

TEST(Models, OutputShapes) {
  for (const char* spec : {"lenet5", "2c2d", "3c3d", "resnet20", "plain20", "cnn:c8k3s2-a2-c4k3same-f16"}) {
    auto on_mnist = build(spec, Shape{28, 28});
    EXPECT_EQ(output_shape(*on_mnist, Shape{28, 28}), Shape({2, 10})) << spec;
    auto on_cifar = build(spec, Shape{3, 32, 32});
    EXPECT_EQ(output_shape(*on_cifar, Shape{3, 32, 32}), Shape({2, 10})) << spec;
  }
}

// The names of the same torch.nn.Sequential: the input view is layer 0.
TEST(Models, ParameterNamesAreTorchSequentials) {
  auto lenet = build("lenet5", Shape{28, 28});
  std::vector<std::string> names;
  for (const auto& [name, tensor] : lenet->state_dict()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"1.weight", "1.bias", "4.weight", "4.bias", "8.weight", "8.bias",
                                             "10.weight", "10.bias", "12.weight", "12.bias"}));
  auto resnet = build("resnet20", Shape{3, 32, 32});
  const NamedTensors state = resnet->state_dict();
  EXPECT_EQ(state.front().first, "1.weight");
  EXPECT_EQ(state.front().second.shape(), Shape({16, 3, 3, 3}));
  bool has_block_bn = false;
  for (const auto& [name, tensor] : state) has_block_bn |= name == "4.bn1.running_var";
  EXPECT_TRUE(has_block_bn);
}

TEST(Models, CnnSpecFollowsOptions) {
  auto model = build("cnn:c4k3p1-m2-f8", Shape{1, 6, 6}, 3, {.activation = "tanh", .dropout = 0.5, .batch_norm = true});
  // Unflatten, Conv2d, BatchNorm2d, Tanh, MaxPool2d, Flatten, Linear, BatchNorm1d, Tanh, Dropout, Linear
  ASSERT_EQ(model->size(), 11u);
  EXPECT_EQ((*model)[2].name(), "BatchNorm2d");
  EXPECT_EQ((*model)[3].name(), "Tanh");
  EXPECT_EQ((*model)[9].name(), "Dropout");
  EXPECT_EQ(model->at<Linear>(6).in_features, 4 * 3 * 3);
}

// TensorFlow's SAME max-pooling of a 4x4 map with a 3x3 window and stride 2: two outputs a
// side, the one padding row and column at the bottom and right, and the padding never wins
// (all inputs negative here, so zero padding would).
TEST(Models, SameMaxPoolPadsAsTensorFlow) {
  auto model = build("cnn:m3s2same", Shape{1, 4, 4}, 2);
  std::vector<double> values;
  for (int i = 0; i < 16; ++i) values.push_back(-1.0 - i);
  NoGradGuard guard;
  Tensor x = Tensor::from_data(values, {1, 16});
  for (std::size_t layer = 0; layer < 3; ++layer) x = (*model)[layer].forward(x);  // view, pad, pool
  EXPECT_EQ(x.shape(), Shape({1, 1, 2, 2}));
  EXPECT_EQ(x.flatten().to_vector(), (std::vector<double>{-1, -3, -9, -11}));
}

TEST(Models, ErrorsNameTheLayerAndShapes) {
  const std::string kernel = error_of("cnn:c6k5-m2-c16k5", Shape{8, 8});
  EXPECT_NE(kernel.find("layer 3 'c16k5'"), std::string::npos) << kernel;
  EXPECT_NE(kernel.find("6@2x2"), std::string::npos) << kernel;
  EXPECT_NE(error_of("resnet21", Shape{3, 32, 32}).find("6n + 2"), std::string::npos);
  EXPECT_NE(error_of("cnn:c6", Shape{28, 28}).find("kernel size"), std::string::npos);
  EXPECT_NE(error_of("cnn:x6", Shape{28, 28}).find("layer 'x6'"), std::string::npos);
  EXPECT_NE(error_of("cnn:c6k3q2", Shape{28, 28}).find("unexpected 'q'"), std::string::npos);
  EXPECT_NE(error_of("cnn:f10-c6k3", Shape{28, 28}).find("cannot follow a fully connected"), std::string::npos);
  EXPECT_NE(error_of("lenet5", Shape{784}).find("needs images"), std::string::npos);
  EXPECT_NE(error_of("lenet6", Shape{28, 28}).find("unknown model 'lenet6'"), std::string::npos);
  EXPECT_NE(error_of("resnet20", Shape{3, 32, 32}, {.activation = "tanh"}).find("do not apply"), std::string::npos);
  EXPECT_THROW(check_model_spec("cnn:c6k5p"), ValueError);
  EXPECT_NO_THROW(check_model_spec("plain56"));
}

// A weight of the wrong channel count is refused naming the tensor and both shapes.
TEST(Models, LoadingWeightsOfOtherChannelsNamesTheTensor) {
  auto grey = build("lenet5", Shape{28, 28});
  auto colour = build("lenet5", Shape{3, 28, 28});
  try {
    grey->load_state_dict(colour->state_dict());
    FAIL() << "loaded 3-channel weights into a 1-channel model";
  } catch (const ShapeError& error) {
    EXPECT_NE(std::string(error.what()).find("'1.weight' has shape [6, 3, 5, 5]"), std::string::npos) << error.what();
  }
}

TEST(Models, MlpSpecsAreMakeMlps) {
  Generator a(3), b(3);
  auto from_model = make_model("mlp:16", Shape{28, 28}, 10, {}, &a);
  auto from_mlp = make_mlp("mlp:16", 784, 10, {}, &b);
  EXPECT_EQ(from_model->state_dict()[0].second.to_vector(), from_mlp->state_dict()[0].second.to_vector());
  EXPECT_FALSE(is_conv_model("mlp:16"));
  EXPECT_TRUE(is_conv_model("resnet32"));
}

TEST(Models, MlpOfNoFeaturesOrNoOutputsIsRefused) {
  EXPECT_TRUE(
      descent::testing::throws<ValueError>([] { make_mlp("mlp:16", 0, 10, {}); },
                                           "model spec 'mlp:16' cannot fit data with 0 features and 10 outputs"));
  EXPECT_TRUE(
      descent::testing::throws<ValueError>([] { make_mlp("linear", 4, 0, {}); },
                                           "model spec 'linear' cannot fit data with 4 features and 0 outputs"));
}

// LeNet-5: 6x28x28 outputs of 25 products, 16x10x10 of 150, then 400x120, 120x84, 84x10.
TEST(Summary, CountsLeNetsMultiplyAdds) {
  auto model = build("lenet5", Shape{28, 28});
  const ModelSummary summary = summarize(*model, Shape{28, 28});
  EXPECT_EQ(summary.parameters, 61706);
  EXPECT_EQ(summary.macs, 117600 + 240000 + 48000 + 10080 + 840);
  ASSERT_EQ(summary.layers.size(), model->size());
  EXPECT_EQ(summary.layers[1].type, "Conv2d");
  EXPECT_EQ(summary.layers[1].output, Shape({6, 28, 28}));
  EXPECT_EQ(summary.layers[1].macs, 117600);
  EXPECT_NE(summary_table("lenet5", summary).find("61,706 parameters, 416,520 multiply-adds"), std::string::npos);
}

// ResNet-20 on CIFAR: the stem's 16x32x32 outputs of 27 products, 6 convs of 16x32x32 x 144,
// 32x16x16 x 144 then 5 x 288, 64x8x8 x 288 then 5 x 576, and the classifier's 640. The summary
// leaves the batch-norm statistics and the training mode as they were.
TEST(Summary, ResNetLeavesTheModelAsItWas) {
  auto model = build("resnet20", Shape{3, 32, 32});
  const ModelSummary summary = summarize(*model, Shape{3, 32, 32});
  EXPECT_EQ(summary.macs, 442368 + 14155776 + 12976128 + 12976128 + 640);
  EXPECT_TRUE(model->is_training());
  EXPECT_EQ(model->at<BatchNorm2d>(2).running_mean.to_vector(), std::vector<double>(16, 0.0));
  EXPECT_EQ(model->at<BatchNorm2d>(2).num_batches_tracked.item(), 0.0);
}
