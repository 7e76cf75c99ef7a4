// The residual BasicBlock of He et al. 2016 ("Deep Residual Learning for Image Recognition",
// section 4.2, the CIFAR-10 ResNets): two 3x3 convolutions with batch norm and ReLU, and a
// shortcut added before the last ReLU. Parameter names as torch's CIFAR ResNets: conv1, bn1,
// conv2, bn2, shortcut.0 (1x1 conv) and shortcut.1 (its batch norm).
#pragma once
#include <memory>

#include "descent/core/rng.hpp"
#include "descent/nn/batch_norm2d.hpp"
#include "descent/nn/conv.hpp"
#include "descent/nn/layers.hpp"

namespace descent {

// The shortcut where the block changes the shape (stride > 1 or more planes); where it does
// not, A and B are both the identity.
//   A: the input subsampled by the stride, its channels zero-padded (no parameters; the
//      CIFAR ResNets of the paper).
//   B: a 1x1 convolution with the stride and a batch norm (a projection).
//   none: no shortcut at all, a plain block (Li et al. 2018's "noshort" networks).
enum class Shortcut { A, B, none };

// Option A's shortcut: x[:, :, ::stride, ::stride], zero channels added on both sides
// ((planes - in_planes) / 2 before, the rest after), as the CIFAR ResNets' LambdaLayer.
class ZeroPadShortcut : public Module {
 public:
  ZeroPadShortcut(int64_t in_planes, int64_t planes, int64_t stride);
  Tensor forward(const Tensor& x) override;
  std::string name() const override { return "ZeroPadShortcut"; }
  std::string extra_repr() const override;
  int64_t in_planes, planes, stride;
};

class BasicBlock : public Module {
 public:
  static constexpr int64_t expansion = 1;  // output planes per `planes`, as torchvision's

  BasicBlock(int64_t in_planes, int64_t planes, int64_t stride = 1, Shortcut shortcut = Shortcut::B,
             DType dtype = DType::f32, Generator* gen = nullptr);
  // relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))
  Tensor forward(const Tensor& x) override;
  std::string name() const override { return "BasicBlock"; }
  std::string extra_repr() const override;

  std::shared_ptr<Conv2d> conv1, conv2;  // 3x3, padding 1, no bias; conv1 has the stride
  std::shared_ptr<BatchNorm2d> bn1, bn2;
  std::shared_ptr<Module> shortcut;  // null for the identity and for no shortcut
  int64_t in_planes, planes, stride;
  Shortcut shortcut_type;
};

}  // namespace descent
