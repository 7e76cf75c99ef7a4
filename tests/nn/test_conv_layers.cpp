// The convolutional layers: output shapes, torch's parameter and buffer names,
// initialization bounds, BatchNorm2d's running statistics, Dropout2d's channel masks, and
// small residual BasicBlocks against PyTorch 1.13 (tests/reference/conv.json, "blocks",
// from scripts/reference/gen_conv.py): forward, backward and running statistics.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "common/reference.hpp"
#include "common/throws.hpp"
#include "descent/nn/batch_norm2d.hpp"
#include "descent/nn/conv.hpp"
#include "descent/nn/pooling.hpp"
#include "descent/nn/residual.hpp"

using namespace descent;
using namespace descent::testing;

namespace {

// A block is a dozen ops deep with two batch norms; float32 rounding of its sums and of
// torch's oneDNN convolutions adds up to more than one op's.
constexpr double kRtol64 = 1e-10, kAtol64 = 1e-10;
constexpr double kRtol32 = 1e-4, kAtol32 = 1e-4;

std::vector<std::string> names(const NamedTensors& tensors) {
  std::vector<std::string> out;
  for (const auto& [name, t] : tensors) out.push_back(name);
  return out;
}

const json& blocks() {
  static const json j = read_reference("conv.json")["blocks"];
  return j;
}

Shortcut shortcut_of(const std::string& s) { return s == "A" ? Shortcut::A : s == "B" ? Shortcut::B : Shortcut::none; }

// Replays one reference block in `dtype`: names and shapes, training step, running
// statistics, evaluation output.
void replay_block(const json& b, DType dtype, const char* key, double rtol, double atol) {
  const std::string name = b["name"].get<std::string>() + " (" + key + ")";
  BasicBlock block(b["in_planes"].get<int64_t>(), b["planes"].get<int64_t>(), b["stride"].get<int64_t>(),
                   shortcut_of(b["shortcut"].get<std::string>()), dtype);
  NamedTensors torch_state;
  std::set<std::pair<std::string, std::string>> theirs, ours;
  for (const json& t : b["state_dict"]) {
    torch_state.emplace_back(t["name"].get<std::string>(), tensor_from(t, dtype));
    theirs.emplace(t["name"].get<std::string>(), shape_of(t["shape"]).str());
  }
  for (const auto& [n, t] : block.state_dict()) ours.emplace(n, t.shape().str());
  ASSERT_EQ(ours, theirs) << name << ": state_dict names and shapes differ from torch's";
  block.load_state_dict(torch_state);

  block.train();
  Tensor x = tensor_from(b["input"], dtype).requires_grad_();
  const Tensor y = block(x);
  const json& expected = b[key];
  EXPECT_TRUE(close(y, expected["output"], rtol, atol, name + " output"));
  y.backward(tensor_from(b["grad_output"], dtype));
  EXPECT_TRUE(close(x.grad(), expected["input_grad"], rtol, atol, name + " input gradient"));
  for (const auto& [n, p] : block.named_parameters()) {
    ASSERT_TRUE(p.grad().defined()) << name << ": no gradient reached " << n;
    EXPECT_TRUE(close(p.grad(), expected["grads"][n], rtol, atol, name + " gradient of " + n));
  }
  for (const auto& [n, t] : block.named_buffers())
    EXPECT_TRUE(close(t, expected["buffers"][n], rtol, atol, name + " buffer " + n + " after the step"));

  block.eval();
  NoGradGuard guard;
  EXPECT_TRUE(close(block(x.detach()), expected["eval_output"], rtol, atol, name + " evaluation output"));
}

}  // namespace

TEST(ConvLayers, OutputShapes) {
  Generator gen(1);
  const Tensor x = Tensor::normal(Shape{2, 16, 8, 8}, 0, 1, DType::f32, &gen);
  EXPECT_EQ(Conv2d(16, 8, 3, {.padding = 1}, DType::f32, &gen)(x).shape(), (Shape{2, 8, 8, 8}));
  EXPECT_EQ(Conv2d(16, 8, 3, {.stride = 2, .padding = 1}, DType::f32, &gen)(x).shape(), (Shape{2, 8, 4, 4}));
  EXPECT_EQ(Conv2d(16, 8, {2, 4}, {.padding_same = true}, DType::f32, &gen)(x).shape(), (Shape{2, 8, 8, 8}));
  EXPECT_EQ(Conv2d(16, 16, 5, {.groups = 16}, DType::f32, &gen)(x).shape(), (Shape{2, 16, 4, 4}));
  EXPECT_EQ(ConvTranspose2d(16, 4, 3, {.stride = 2, .padding = 1, .output_padding = 1}, DType::f32, &gen)(x).shape(),
            (Shape{2, 4, 16, 16}));
  EXPECT_EQ(MaxPool2d(2)(x).shape(), (Shape{2, 16, 4, 4}));
  EXPECT_EQ(MaxPool2d(3, Pair(2), 1)(x).shape(), (Shape{2, 16, 4, 4}));
  EXPECT_EQ(AvgPool2d(3, Pair(2), 1, true)(x).shape(), (Shape{2, 16, 5, 5}));  // ceil_mode
  EXPECT_EQ(AdaptiveAvgPool2d(1)(x).shape(), (Shape{2, 16, 1, 1}));
  EXPECT_EQ(AdaptiveAvgPool2d({3, 2})(x).shape(), (Shape{2, 16, 3, 2}));
  EXPECT_EQ(BatchNorm2d(16)(x).shape(), x.shape());
  EXPECT_EQ(Dropout2d(0.3, &gen)(x).shape(), x.shape());
  for (Shortcut s : {Shortcut::A, Shortcut::B, Shortcut::none}) {
    EXPECT_EQ(BasicBlock(16, 32, 2, s, DType::f32, &gen)(x).shape(), (Shape{2, 32, 4, 4}));
    EXPECT_EQ(BasicBlock(16, 16, 1, s, DType::f32, &gen)(x).shape(), x.shape());
  }
}

TEST(ConvLayers, NamesAsTorch) {
  EXPECT_EQ(names(Conv2d(3, 8, 3).state_dict()), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(names(Conv2d(3, 8, 3, {.bias = false}).state_dict()), (std::vector<std::string>{"weight"}));
  EXPECT_EQ(ConvTranspose2d(4, 6, {3, 2}, {.groups = 2}).weight.shape(), (Shape{4, 3, 3, 2}));
  EXPECT_EQ(names(BatchNorm2d(8).state_dict()),
            (std::vector<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}));
  EXPECT_EQ(names(BatchNorm2d(8, 1e-5, 0.1, true, false).state_dict()), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_EQ(names(BasicBlock(4, 8, 2, Shortcut::B).named_parameters()),
            (std::vector<std::string>{"conv1.weight", "bn1.weight", "bn1.bias", "conv2.weight", "bn2.weight",
                                      "bn2.bias", "shortcut.0.weight", "shortcut.1.weight", "shortcut.1.bias"}));
  EXPECT_EQ(names(BasicBlock(4, 8, 2, Shortcut::A).named_parameters()).size(), 6u);
  EXPECT_EQ(Conv2d(16, 8, 3, {.stride = 2, .padding = 1, .bias = false}).extra_repr(),
            "16, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=false");
  EXPECT_EQ(MaxPool2d(2).extra_repr(), "kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=false");
  EXPECT_EQ(BatchNorm2d(16).extra_repr(), "16, eps=1e-05, momentum=0.1, affine=true, track_running_stats=true");
  EXPECT_NE(BasicBlock(4, 8, 2, Shortcut::A).repr().find("ZeroPadShortcut(in_planes=4, planes=8, stride=2)"),
            std::string::npos);
}

// kaiming_uniform_ with a = sqrt(5) draws from U(-1/sqrt(fan_in), 1/sqrt(fan_in)); so does the bias.
TEST(ConvLayers, InitializedAsTorch) {
  Generator gen(5);
  const Conv2d conv(4, 8, 3, {}, DType::f64, &gen);
  const ConvTranspose2d transposed(4, 6, 3, {.groups = 2}, DType::f64, &gen);
  for (const auto& [tensor, fan_in] : {std::pair{conv.weight, 36.0}, std::pair{conv.bias, 36.0},
                                       std::pair{transposed.weight, 27.0}, std::pair{transposed.bias, 27.0}}) {
    double largest = 0.0;
    for (double v : tensor.to_vector()) largest = std::max(largest, std::abs(v));
    const double bound = 1.0 / std::sqrt(fan_in);
    EXPECT_LE(largest, bound);
    EXPECT_GE(largest, 0.5 * bound);
  }
}

TEST(ConvLayers, BatchNorm2dRunningStatistics) {
  Generator gen(7);
  const Tensor a = Tensor::normal(Shape{4, 2, 3, 3}, 1.0, 2.0, DType::f64, &gen);
  const Tensor b = Tensor::normal(Shape{4, 2, 3, 3}, -1.0, 0.5, DType::f64, &gen);
  BatchNorm2d cumulative(2, 1e-5, std::nullopt, true, true, DType::f64);
  cumulative(a);
  cumulative(b);
  // momentum None: the plain average of the batch means (and of the unbiased variances).
  const Tensor expected_mean = (mean(a, {0, 2, 3}) + mean(b, {0, 2, 3})) * 0.5;
  const std::vector<double> got = cumulative.running_mean.to_vector(), want = expected_mean.to_vector();
  for (std::size_t c = 0; c < 2; ++c) EXPECT_NEAR(got[c], want[c], 1e-12);
  EXPECT_EQ(cumulative.num_batches_tracked.item(), 2.0);
  // Evaluation normalizes with the running statistics.
  cumulative.eval();
  const Tensor y = cumulative(a);
  const Tensor by_hand = (a - cumulative.running_mean.reshape(Shape{1, 2, 1, 1})) /
                         sqrt(cumulative.running_var.reshape(Shape{1, 2, 1, 1}) + 1e-5);
  const std::vector<double> yv = y.to_vector(), hv = by_hand.to_vector();
  for (std::size_t i = 0; i < yv.size(); ++i) EXPECT_NEAR(yv[i], hv[i], 1e-12);
}

// forward_relu(x, r) is relu(forward(x) + r): the same output and running statistics, in
// training (here with the cumulative average, momentum None) and in evaluation.
TEST(ConvLayers, BatchNorm2dForwardRelu) {
  Generator gen(8);
  const Tensor x = Tensor::normal(Shape{4, 3, 5, 5}, 0.5, 2.0, DType::f32, &gen);
  const Tensor r = Tensor::normal(Shape{4, 3, 5, 5}, 0.0, 1.0, DType::f32, &gen);
  BatchNorm2d fused(3, 1e-5, std::nullopt), separate(3, 1e-5, std::nullopt);
  for (int step = 0; step < 2; ++step) {
    EXPECT_EQ(fused.forward_relu(x, r).to_vector(), relu(separate(x) + r).to_vector());
    EXPECT_EQ(fused.forward_relu(x).to_vector(), relu(separate(x)).to_vector());
  }
  EXPECT_EQ(fused.running_mean.to_vector(), separate.running_mean.to_vector());
  EXPECT_EQ(fused.running_var.to_vector(), separate.running_var.to_vector());
  EXPECT_EQ(fused.num_batches_tracked.item(), 4.0);
  fused.eval();
  separate.eval();
  EXPECT_EQ(fused.forward_relu(x, r).to_vector(), relu(separate(x) + r).to_vector());
  EXPECT_TRUE(throws<ShapeError>([&] { fused.forward_relu(x, r.slice(0, 0, 2)); },
                                 "batch_norm_relu: residual of shape [2, 3, 5, 5] does not match input [4, 3, 5, 5] "
                                 "(expected the same shape)"));
}

// BasicBlock's forward (batch_norm_relu for both batch norms) is its ops one by one:
// relu(bn1(conv1(x))), then relu(bn2(conv2(out)) + shortcut(x)). The same output and running
// statistics to the bit, and the same gradients to a few units in the last place, for every
// shortcut, in training.
TEST(ConvLayers, BasicBlockEqualsItsOpsOneByOne) {
  constexpr double kGradientTolerance = 1e-5;  // float32, relative to the largest value
  for (Shortcut type : {Shortcut::A, Shortcut::B, Shortcut::none}) {
    for (int64_t stride : {1, 2}) {
      Generator gen_fused(21), gen_separate(21), gen_x(22);
      BasicBlock fused(4, 8, stride, type, DType::f32, &gen_fused),
          separate(4, 8, stride, type, DType::f32, &gen_separate);
      const Tensor x = Tensor::normal(Shape{3, 4, 6, 6}, 0.0, 1.0, DType::f32, &gen_x);
      const Tensor y = fused(x);
      Tensor out = relu(separate.bn1->forward(separate.conv1->forward(x)));
      out = separate.bn2->forward(separate.conv2->forward(out));
      if (type != Shortcut::none) out = out + (separate.shortcut ? separate.shortcut->forward(x) : x);
      out = relu(out);
      const std::string what = std::string(type == Shortcut::A   ? "A"
                                           : type == Shortcut::B ? "B"
                                                                 : "none") +
                               ", stride " + std::to_string(stride);
      ASSERT_EQ(y.to_vector(), out.to_vector()) << what;
      const Tensor probe = Tensor::normal(y.shape(), 0.0, 1.0, DType::f32, &gen_x);
      y.backward(probe);
      out.backward(probe);
      const NamedTensors buffers = fused.named_buffers(), separate_buffers = separate.named_buffers();
      for (std::size_t i = 0; i < buffers.size(); ++i)
        EXPECT_EQ(buffers[i].second.to_vector(), separate_buffers[i].second.to_vector())
            << what << ", " << buffers[i].first;
      const NamedTensors params = fused.named_parameters(), separate_params = separate.named_parameters();
      for (std::size_t i = 0; i < params.size(); ++i) {
        const std::vector<double> got = params[i].second.grad().to_vector(),
                                  want = separate_params[i].second.grad().to_vector();
        double largest = 0;
        for (double v : want) largest = std::max(largest, std::abs(v));
        for (std::size_t j = 0; j < got.size(); ++j)
          ASSERT_NEAR(got[j], want[j], kGradientTolerance * largest) << what << ", " << params[i].first << " at " << j;
      }
    }
  }
}

TEST(ConvLayers, Dropout2dDropsWholeChannels) {
  Generator gen(9);
  Dropout2d drop(0.5, &gen);
  Tensor x = Tensor::ones(Shape{4, 8, 3, 3}, DType::f64).requires_grad_();
  const Tensor y = drop(x);
  y.backward(Tensor::ones(y.shape(), DType::f64));
  const std::vector<double> v = y.to_vector(), g = x.grad().to_vector();
  int dropped = 0;
  for (std::size_t plane = 0; plane < 32; ++plane) {
    const double first = v[plane * 9];
    EXPECT_TRUE(first == 0.0 || first == 2.0);
    dropped += first == 0.0;
    for (std::size_t i = 0; i < 9; ++i) {
      EXPECT_EQ(v[plane * 9 + i], first);
      EXPECT_EQ(g[plane * 9 + i], first);
    }
  }
  EXPECT_GT(dropped, 4);
  EXPECT_LT(dropped, 28);
  drop.eval();
  EXPECT_TRUE(drop(x).is_same(x));
}

TEST(ConvLayers, BasicBlockMatchesTorch) {
  ASSERT_FALSE(blocks().empty());
  for (const json& b : blocks()) {
    replay_block(b, DType::f64, "f64", kRtol64, kAtol64);
    replay_block(b, DType::f32, "f32", kRtol32, kAtol32);
  }
}
