// pad, as torch.nn.functional.pad in mode 'constant' for the last one or two dims: the input
// is copied into a tensor filled with the value; negative amounts crop. The backward takes
// the copied region of the gradient back.
#include <algorithm>
#include <string>
#include <vector>

#include "descent/ops/conv.hpp"
#include "descent/tensor/grad_mode.hpp"
#include "descent/tensor/node.hpp"

namespace descent {

namespace {

// The part of one dim that survives padding: `length` elements from `from` in the input land
// at `to` in the output.
struct Kept {
  int dim;
  int64_t from, to, length;
};

std::vector<Kept> kept_region(const Shape& shape, const std::vector<int64_t>& pads) {
  std::vector<Kept> region;
  for (std::size_t k = 0; k < pads.size() / 2; ++k) {
    const int dim = shape.rank() - 1 - static_cast<int>(k);
    const int64_t before = pads[2 * k], after = pads[2 * k + 1];
    const int64_t from = std::max<int64_t>(0, -before), end = shape[dim] - std::max<int64_t>(0, -after);
    region.push_back({dim, from, std::max<int64_t>(0, before), std::max<int64_t>(0, end - from)});
  }
  return region;
}

// dst's part of the region (at `to`) = src's (at `from`).
void copy_region(Tensor dst, bool dst_is_output, Tensor src, const std::vector<Kept>& region) {
  for (const Kept& k : region) {
    if (k.length == 0) return;
    dst = dst.narrow(k.dim, dst_is_output ? k.to : k.from, k.length);
    src = src.narrow(k.dim, dst_is_output ? k.from : k.to, k.length);
  }
  dst.copy_(src);
}

std::string list(const std::vector<int64_t>& v) {
  std::string s = "{";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "}";
}

}  // namespace

Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, double value) {
  if (pads.size() != 2 && pads.size() != 4)
    throw ValueError("pad: expected {left, right} or {left, right, top, bottom}, got " + list(pads));
  const int dims = static_cast<int>(pads.size() / 2);
  if (x.dim() < dims)
    throw ShapeError("pad: " + list(pads) + " pads the last " + std::to_string(dims) +
                     " dims, but the input has shape " + x.shape().str());
  Shape out_shape = x.shape();
  for (int k = 0; k < dims; ++k) {
    const int dim = x.dim() - 1 - k;
    const auto before = 2 * static_cast<std::size_t>(k);  // pads[before], pads[before + 1]: this dim's two sides
    out_shape[dim] += pads[before] + pads[before + 1];
    if (out_shape[dim] < 0)
      throw ShapeError("pad: " + list(pads) + " would leave dim " + std::to_string(dim) + " of input " +
                       x.shape().str() + " with " + std::to_string(out_shape[dim]) + " elements");
  }
  const std::vector<Kept> region = kept_region(x.shape(), pads);
  Tensor out = Tensor::full(out_shape, value, x.dtype());
  {
    NoGradGuard guard;
    copy_region(out, true, x.detach(), region);
  }
  if (!any_requires_grad({x})) return out;
  return record(out, "pad", {x}, [region, shape = x.shape()](Node& node, const Tensor& g) {
    Tensor dx = Tensor::zeros(shape, g.dtype());
    copy_region(dx, false, g, region);
    node.accumulate(0, dx);
  });
}

}  // namespace descent
