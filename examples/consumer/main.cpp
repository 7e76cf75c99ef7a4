// Uses an installed descent: find_package(descent), descent::descent.
#include <cstdio>
#include <descent/descent.hpp>
int main() {
  using namespace descent;
  Tensor x = Tensor::from_data({1.0, 2.0, 3.0}, Shape{3}, DType::f64).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward();
  std::printf("%g %g %g\n", x.grad().at({0}), x.grad().at({1}), x.grad().at({2}));
  return 0;
}
