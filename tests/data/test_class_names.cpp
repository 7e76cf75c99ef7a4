// Class names for eval's tables and heat map (data/class_names.hpp): torchvision's names for
// Fashion-MNIST and CIFAR-10, indices for the rest.
#include <gtest/gtest.h>

#include "descent/data/class_names.hpp"
#include "descent/data/dataset.hpp"

using namespace descent;

TEST(ClassNames, PublishedNamesAndIndices) {
  const std::vector<std::string> fashion = class_names("fashion-mnist", 10);
  ASSERT_EQ(fashion.size(), 10u);
  EXPECT_EQ(fashion[0], "T-shirt/top");
  EXPECT_EQ(fashion[9], "Ankle boot");
  EXPECT_EQ(class_names(kFashionMnistDir, 10), fashion);  // the package's folder as --data
  const std::vector<std::string> cifar = class_names("cifar10", 10);
  EXPECT_EQ(cifar[0], "airplane");
  EXPECT_EQ(cifar[9], "truck");
  EXPECT_EQ(class_names("mnist", 3), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(class_names("/data/table.csv", 2), (std::vector<std::string>{"0", "1"}));
  EXPECT_EQ(class_names("cifar10", 4).back(), "3");  // a set relabelled to other classes
  EXPECT_TRUE(class_names("blobs", 0).empty());
}
