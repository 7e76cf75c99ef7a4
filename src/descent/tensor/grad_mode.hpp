// Grad mode: whether ops record their history. Off inside NoGradGuard (evaluation,
// optimizer updates) and while backward runs.
#pragma once

namespace descent {

bool grad_enabled();
void set_grad_enabled(bool enabled);

// RAII scope in which no op records a graph, as torch.no_grad().
class NoGradGuard {
 public:
  NoGradGuard() : previous_(grad_enabled()) { set_grad_enabled(false); }
  ~NoGradGuard() { set_grad_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace descent
