// Anomaly detection (torch.autograd.detect_anomaly): when on, the first op whose forward or
// backward produces a NaN or an infinity throws, naming the op and the shapes; off by default.
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "common/scratch.hpp"
#include "descent/descent.hpp"

using namespace descent;
using descent::testing::error_of;

TEST(DetectAnomaly, OffByDefaultSoNonFiniteValuesPassThrough) {
  EXPECT_FALSE(anomaly_detection_enabled());
  Tensor x = Tensor::zeros(Shape{2}, DType::f64).requires_grad_();
  Tensor y = log(x);
  EXPECT_TRUE(std::isinf(y.to_vector()[0]));
}

TEST(DetectAnomaly, NamesTheFirstForwardThatProducesAnInfinity) {
  DetectAnomalyGuard anomaly;
  Tensor x = Tensor::from_data({1.0, 0.0, 2.0}, Shape{3}, DType::f64).requires_grad_();
  Tensor y = x * 2.0;
  EXPECT_EQ(error_of<Error>([&] { log(y); }),
            "anomaly: the forward of log produced an infinity (output shape [3]; input shapes [3])");
  EXPECT_EQ(y.shape(), Shape({3}));
}

TEST(DetectAnomaly, NamesTheBackwardThatProducesANaN) {
  DetectAnomalyGuard anomaly;
  // sqrt(0) = 0 is finite; its gradient 0.5 / sqrt(0) * 0 is NaN once multiplied by zero.
  Tensor x = Tensor::zeros(Shape{2, 1}, DType::f64).requires_grad_();
  Tensor loss = (sqrt(x) * 0.0).sum();
  const std::string message = error_of<Error>([&] { loss.backward(); });
  EXPECT_EQ(message.rfind("anomaly: the backward of sqrt produced ", 0), 0u) << message;
  EXPECT_NE(message.find("in the gradient of its input 0 (shape [2, 1])"), std::string::npos) << message;
}

TEST(DetectAnomaly, TheGuardRestoresThePreviousSetting) {
  {
    DetectAnomalyGuard anomaly;
    EXPECT_TRUE(anomaly_detection_enabled());
    {
      DetectAnomalyGuard off(false);
      EXPECT_FALSE(anomaly_detection_enabled());
    }
    EXPECT_TRUE(anomaly_detection_enabled());
  }
  EXPECT_FALSE(anomaly_detection_enabled());
  set_detect_anomaly(true);
  EXPECT_TRUE(anomaly_detection_enabled());
  set_detect_anomaly(false);
}

TEST(DetectAnomaly, FiniteGraphsAreUnchanged) {
  DetectAnomalyGuard anomaly;
  Tensor x = Tensor::from_data({1.0, 4.0}, Shape{2}, DType::f64).requires_grad_();
  sqrt(x).sum().backward();
  EXPECT_DOUBLE_EQ(x.grad().to_vector()[1], 0.25);
}
