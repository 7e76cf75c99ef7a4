// The names of a data set's classes, for tables and figures that list them: MNIST's digits,
// Fashion-MNIST's garments (Xiao et al. 2017, as torchvision.datasets.FashionMNIST.classes) and
// CIFAR-10's objects (Krizhevsky 2009, as torchvision.datasets.CIFAR10.classes).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace descent {

// One name per class of the data set `data` names (load_dataset's argument: "fashion-mnist",
// "cifar10", a path): the published names for the sets that have them when num_classes fits,
// else the class indices "0", "1", ...
std::vector<std::string> class_names(std::string_view data, int64_t num_classes);

}  // namespace descent
