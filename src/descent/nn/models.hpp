// Models by name and by spec, as `descent train --model` takes them; the input and output
// sizes come from the data.
//   linear, mlp:H1-H2-...   multilayer perceptrons (mlp.hpp)
//   cnn:LAYER-LAYER-...     a convolutional stack, each layer one token:
//     cOUTkK[pP][sS][same]  conv OUT channels, K x K kernel, padding P (0), stride S (1);
//                           `same` pads to keep the size (torch's padding='same', stride 1)
//     mK[sS][pP][same]      max-pool K x K, stride S (K), padding P (0); `same` pads as
//                           TensorFlow's 'SAME' (extra row and column at the bottom and right)
//     aK[sS][pP]            average-pool K x K
//     fN                    fully connected, N units
//   every conv and fully connected layer is followed by the activation (and, with batch norm,
//   preceded by it: BatchNorm2d / BatchNorm1d), every hidden fully connected one by dropout; a
//   last fully connected layer maps to the classes. e.g. cnn:c32k5p2-m2-c64k5p2-m2-f1024
//   lenet5   LeCun et al. 1998 (as torch's tutorials write it): cnn:c6k5p2-m2-c16k5-m2-f120-f84
//   2c2d     DeepOBS's fmnist_2c2d (Schneider et al. 2019): cnn:c32k5same-m2-c64k5same-m2-f1024
//   3c3d     DeepOBS's cifar10_3c3d: cnn:c64k5-m3s2same-c96k3-m3s2same-c128k3same-m3s2same-f512-f256
//   resnetN  He et al. 2016, section 4.2 (N = 6n + 2: resnet20, resnet32, resnet56): a 3x3 conv of
//            16 channels with batch norm and ReLU, three stages of n BasicBlocks of 16, 32 and 64
//            channels (stride 2 and option-A shortcuts entering stages 2 and 3), global average
//            pooling, a linear classifier
//   plainN   resnetN without the skip connections (Li et al. 2018's "noshort" nets)
// A conv model is an nn.Sequential whose first layer views the data's (N, C*H*W) rows as
// (N, C, H, W) images, so its parameter names ("1.weight", "4.conv1.weight") are those of the
// same torch.nn.Sequential (scripts/to_pytorch.py builds it).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "descent/core/rng.hpp"
#include "descent/nn/layers.hpp"
#include "descent/nn/mlp.hpp"

namespace descent {

// The names `--model` accepts besides linear, mlp:... and cnn:..., and what each stands for.
struct NamedModel {
  std::string name;         // "lenet5", "resnetN"
  std::string description;  // one line
};
const std::vector<NamedModel>& named_models();

// True for a conv model spec (anything but linear and mlp:...).
bool is_conv_model(const std::string& spec);

// Throws ValueError naming the spec and what is wrong, without building anything: a malformed
// spec, an unknown name, a resnet depth not of the form 6n + 2.
void check_model_spec(const std::string& spec);

// An image's (C, H, W) from a data set's item shape: (C, H, W) as it is, (H, W) as one channel.
// Throws ValueError naming the model when the data are not images (rank 1).
Shape image_shape_of(const Shape& item_shape, const std::string& model_spec);

// The model `spec` describes for examples of `item_shape` and `out_features` outputs. A layer
// that cannot take its input (a kernel larger than the padded input) is refused naming the
// layer and the shapes. MLPs see item_shape.numel() features and are make_mlp's.
std::shared_ptr<Sequential> make_model(const std::string& spec, const Shape& item_shape, int64_t out_features,
                                       const MlpOptions& options = {}, Generator* gen = nullptr);

}  // namespace descent
