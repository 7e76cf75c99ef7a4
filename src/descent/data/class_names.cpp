// Class names of the data sets descent loads by name.
#include "descent/data/class_names.hpp"

#include <array>

#include "descent/data/dataset.hpp"

namespace descent {
namespace {

constexpr std::array<std::string_view, 10> kFashionMnistClasses = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                                                   "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                                                   "Bag",         "Ankle boot"};
constexpr std::array<std::string_view, 10> kCifar10Classes = {"airplane", "automobile", "bird",  "cat",  "deer",
                                                              "dog",      "frog",       "horse", "ship", "truck"};

}  // namespace

std::vector<std::string> class_names(std::string_view data, int64_t num_classes) {
  std::vector<std::string> names;
  const bool fashion = data == "fashion-mnist" || data == kFashionMnistDir;
  if ((fashion || data == "cifar10") && num_classes == 10) {
    for (const std::string_view name : fashion ? kFashionMnistClasses : kCifar10Classes) names.emplace_back(name);
    return names;
  }
  for (int64_t c = 0; c < num_classes; ++c) names.push_back(std::to_string(c));  // MNIST's digits among them
  return names;
}

}  // namespace descent
