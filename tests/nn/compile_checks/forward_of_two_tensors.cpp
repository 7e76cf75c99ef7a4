// Must not compile: Sequential calls forward(const Tensor&), which this module lacks.
#include "descent/nn/layers.hpp"
using namespace descent;
class Masked : public Module {
 public:
  Tensor forward(const Tensor& x, const Tensor& mask) { return mask; }
};
int main() { Sequential seq(Linear(2, 2), Masked()); }
