// Must not compile: a named module object would be copied into the Sequential.
#include "descent/nn/layers.hpp"
using namespace descent;
int main() {
  Linear fc(2, 2);
  Sequential seq(fc, ReLU());
}
