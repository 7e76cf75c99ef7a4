// Random crop after zero padding and random horizontal flip, per (C, H, W) example, following
// torchvision.transforms.RandomCrop and RandomHorizontalFlip.
#include "descent/data/augment.hpp"

#include <algorithm>
#include <cstring>

#include "descent/spec/spec.hpp"

namespace descent {
namespace {

const spec::Fields<Augmentation> kCropFields{{"padding",
                                              &Augmentation::padding,
                                              "zeros added on each side before a random crop of the original size",
                                              {.low = 0},
                                              spec::kRequired}};
const spec::Fields<Augmentation> kFlipFields{
    {"p", &Augmentation::p, "the probability of a horizontal flip", {.low = 0, .high = 1}}};

}  // namespace

Augmentation parse_augmentation(const std::string& text) {
  spec::Spec parsed = spec::parse(text, "augmentation");
  if (!parsed.inner.empty()) spec::fail(parsed, "an augmentation takes no parentheses");
  if (parsed.name == "crop") {
    // "crop:4" is RandomCrop(size, padding=4), the one positional value.
    if (!parsed.args.empty() && parsed.args.front().key.empty()) parsed.args.front().key = "padding";
    return kCropFields.read(parsed, {.kind = Augmentation::Kind::crop});
  }
  if (parsed.name == "flip") return kFlipFields.read(parsed, {.kind = Augmentation::Kind::flip});
  spec::fail(parsed, "unknown augmentation '" + parsed.name + "'; expected crop:PADDING or flip[:p=P]");
}

std::vector<Augmentation> parse_augmentations(const std::vector<std::string>& texts) {
  std::vector<Augmentation> out;
  for (const std::string& text : texts) out.push_back(parse_augmentation(text));
  return out;
}

void horizontal_flip(float* example, const ImageShape& shape) {
  const auto [channels, height, width] = shape;
  for (int64_t row = 0; row < channels * height; ++row)
    std::reverse(example + row * width, example + (row + 1) * width);
}

void shifted_crop(float* example, const ImageShape& shape, int64_t padding, int64_t top, int64_t left,
                  std::vector<float>& scratch) {
  const auto [channels, height, width] = shape;
  const int64_t size = channels * height * width;
  scratch.assign(example, example + size);
  std::fill(example, example + size, 0.0f);
  const int64_t dy = top - padding, dx = left - padding;  // out[y][x] = in[y + dy][x + dx]
  const int64_t x_begin = std::max<int64_t>(0, -dx), x_end = std::min(width, width - dx);
  if (x_end <= x_begin) return;  // shifted out entirely (padding >= width)
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t y = std::max<int64_t>(0, -dy); y < std::min(height, height - dy); ++y) {
      const float* src = scratch.data() + (c * height + y + dy) * width + x_begin + dx;
      std::memcpy(example + (c * height + y) * width + x_begin, src,
                  static_cast<std::size_t>(x_end - x_begin) * sizeof(float));
    }
}

void augment_example(std::span<const Augmentation> augmentations, float* example, const ImageShape& shape,
                     Generator& gen, std::vector<float>& scratch) {
  for (const Augmentation& step : augmentations) {
    if (step.kind == Augmentation::Kind::crop) {
      const auto offsets = static_cast<uint64_t>(2 * step.padding + 1);
      const auto top = static_cast<int64_t>(gen.randint(offsets));
      const auto left = static_cast<int64_t>(gen.randint(offsets));
      if (step.padding > 0) shifted_crop(example, shape, step.padding, top, left, scratch);
    } else if (gen.uniform() < step.p) {
      horizontal_flip(example, shape);
    }
  }
}

}  // namespace descent
