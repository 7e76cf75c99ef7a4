// Grad mode is per thread, as in PyTorch.
#include "descent/tensor/grad_mode.hpp"

namespace descent {
namespace {
thread_local bool g_grad_enabled = true;
}
bool grad_enabled() { return g_grad_enabled; }
void set_grad_enabled(bool enabled) { g_grad_enabled = enabled; }
}  // namespace descent
