// Data augmentation of (C, H, W) image examples, one example at a time, as torchvision's
// RandomCrop(size, padding) and RandomHorizontalFlip(p) (the CIFAR-10 recipe of He et al. 2016,
// "Deep Residual Learning for Image Recognition", §4.2: 4 pixels of padding, a random 32x32
// crop, a random horizontal flip). Specs use the one spec grammar (spec/spec.hpp):
//
//   crop:4          RandomCrop(H, padding=4): zero-pad by 4 on each side, crop H x W at random
//   crop:padding=4  the same, by key
//   flip            RandomHorizontalFlip(p=0.5)
//   flip:p=0.25     flip with probability 0.25
//
// The DataLoader applies them in the order given to each training example it yields, drawing
// from its own generator (whose state a checkpoint saves). Padding is zero in the values the
// loader holds, that is after input scaling (with --scaling standard, the channel's mean),
// where torchvision's usual pipeline pads before Normalize.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "descent/core/rng.hpp"

namespace descent {

struct Augmentation {
  enum class Kind { crop, flip };
  Kind kind = Kind::flip;
  int64_t padding = 0;  // crop: zeros added on each side before cropping
  double p = 0.5;       // flip: the probability of flipping
};

// Parses one spec ("crop:4", "flip:p=0.5"); a bad spec throws ValueError with one line.
Augmentation parse_augmentation(const std::string& text);
std::vector<Augmentation> parse_augmentations(const std::vector<std::string>& texts);

// One example's (C, H, W).
using ImageShape = std::array<int64_t, 3>;

// Flips the example left to right: out[c][y][x] = in[c][y][W - 1 - x].
void horizontal_flip(float* example, const ImageShape& shape);

// Shifts the example so that out[c][y][x] = in[c][y + top - padding][x + left - padding], zero
// where that falls outside: the crop at (top, left) of the example zero-padded by `padding`.
// `scratch` holds a copy of the example (resized as needed).
void shifted_crop(float* example, const ImageShape& shape, int64_t padding, int64_t top, int64_t left,
                  std::vector<float>& scratch);

// Applies the augmentations in order, drawing as torchvision does: a crop draws its top and
// then its left offset uniformly in [0, 2 * padding]; a flip draws one uniform number and
// flips when it is below p.
void augment_example(std::span<const Augmentation> augmentations, float* example, const ImageShape& shape,
                     Generator& gen, std::vector<float>& scratch);

}  // namespace descent
