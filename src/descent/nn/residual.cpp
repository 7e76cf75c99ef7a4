// BasicBlock and its option-A shortcut (He et al. 2016, section 4.2).
#include "descent/nn/residual.hpp"

#include "descent/ops/ops.hpp"

namespace descent {

ZeroPadShortcut::ZeroPadShortcut(int64_t in, int64_t out, int64_t step) : in_planes(in), planes(out), stride(step) {
  if (in <= 0 || out < in || step <= 0)
    throw ValueError("ZeroPadShortcut: expected 0 < in_planes <= planes and a positive stride, got in_planes " +
                     std::to_string(in) + ", planes " + std::to_string(out) + ", stride " + std::to_string(step));
}

Tensor ZeroPadShortcut::forward(const Tensor& x) {
  if (x.dim() != 4 || x.shape()[1] != in_planes)
    throw ShapeError("ZeroPadShortcut: expected input of shape [N, " + std::to_string(in_planes) + ", H, W], got " +
                     x.shape().str());
  // x (N, in, H, W) -> (N, in, ceil(H / s), ceil(W / s)) -> (N, planes, ...)
  const Tensor sub = x.slice(2, 0, x.shape()[2], stride).slice(3, 0, x.shape()[3], stride);
  const int64_t before = (planes - in_planes) / 2, after = planes - in_planes - before;
  std::vector<Tensor> parts;
  const Shape plane_shape = sub.shape();
  auto zeros = [&](int64_t channels) {
    Shape s = plane_shape;
    s[1] = channels;
    return Tensor::zeros(s, x.dtype());
  };
  if (before > 0) parts.push_back(zeros(before));
  parts.push_back(sub);
  if (after > 0) parts.push_back(zeros(after));
  return parts.size() == 1 ? sub : concat(parts, 1);
}

std::string ZeroPadShortcut::extra_repr() const {
  return "in_planes=" + std::to_string(in_planes) + ", planes=" + std::to_string(planes) +
         ", stride=" + std::to_string(stride);
}

BasicBlock::BasicBlock(int64_t in, int64_t out, int64_t step, Shortcut type, DType dtype, Generator* gen)
    : in_planes(in), planes(out), stride(step), shortcut_type(type) {
  const Conv2dOptions three_by_three{.stride = step, .padding = 1, .bias = false};
  conv1 = register_module("conv1", std::make_shared<Conv2d>(in, out, 3, three_by_three, dtype, gen));
  bn1 = register_module("bn1", std::make_shared<BatchNorm2d>(out, 1e-5, 0.1, true, true, dtype));
  conv2 = register_module("conv2", std::make_shared<Conv2d>(out, out, 3, Conv2dOptions{.padding = 1, .bias = false},
                                                            dtype, gen));
  bn2 = register_module("bn2", std::make_shared<BatchNorm2d>(out, 1e-5, 0.1, true, true, dtype));
  if (type == Shortcut::none || (step == 1 && in == out)) return;
  if (type == Shortcut::A) {
    shortcut = register_module("shortcut", std::make_shared<ZeroPadShortcut>(in, out, step));
    return;
  }
  auto projection = std::make_shared<Sequential>();
  projection->push_back(std::make_shared<Conv2d>(in, out, 1, Conv2dOptions{.stride = step, .bias = false}, dtype, gen));
  projection->push_back(std::make_shared<BatchNorm2d>(out, 1e-5, 0.1, true, true, dtype));
  shortcut = register_module("shortcut", projection);
}

// The batch norms apply the ReLU and the residual add in their own pass (batch_norm_relu).
Tensor BasicBlock::forward(const Tensor& x) {
  const Tensor out = conv2->forward(bn1->forward_relu(conv1->forward(x)));
  const Tensor residual = shortcut_type == Shortcut::none ? Tensor() : shortcut ? shortcut->forward(x) : x;
  return bn2->forward_relu(out, residual);
}

std::string BasicBlock::extra_repr() const {
  const char* type = shortcut_type == Shortcut::A ? "A" : shortcut_type == Shortcut::B ? "B" : "none";
  return "in_planes=" + std::to_string(in_planes) + ", planes=" + std::to_string(planes) +
         ", stride=" + std::to_string(stride) + ", shortcut=" + type;
}

}  // namespace descent
