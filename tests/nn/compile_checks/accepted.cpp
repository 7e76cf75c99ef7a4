// Compiles: the control for the checks above (same includes and flags).
#include "descent/nn/layers.hpp"
using namespace descent;
class Net : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x; }
};
int main() {
  Linear fc(2, 2);
  Sequential seq(std::move(fc), Net(), std::make_shared<ReLU>());
  return static_cast<int>(seq.size());
}
