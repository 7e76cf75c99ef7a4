// Must not compile: a LibTorch-style forward(Tensor x) hides Module::forward.
#include "descent/nn/layers.hpp"
using namespace descent;
class Net : public Module {
 public:
  Tensor forward(Tensor x) { return x; }
};
int main() { Sequential seq(Linear(2, 2), Net()); }
