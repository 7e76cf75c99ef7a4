// A one-line progress bar on stderr, redrawn in place with a carriage return.
#include "descent/train/progress.hpp"

#include <unistd.h>

#include <string>

namespace descent {

ProgressBar::ProgressBar(bool enabled, int epoch, int epochs, int64_t steps)
    : active_(enabled && isatty(STDERR_FILENO)),
      epoch_(epoch),
      epochs_(epochs),
      steps_(steps),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

void ProgressBar::update(int64_t step, double running_loss) {
  if (!active_ || (step & 15) != 0) return;  // look at the clock every 16 steps only
  const auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(step) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(steps_ - step) / rate : 0.0;
  constexpr int kWidth = 30;
  const int filled = steps_ > 0 ? static_cast<int>(kWidth * step / steps_) : kWidth;
  std::string bar(static_cast<std::size_t>(filled), '=');
  if (filled < kWidth) bar += '>' + std::string(static_cast<std::size_t>(kWidth - filled - 1), ' ');
  std::fprintf(stderr, "\repoch %d/%d [%s] %lld/%lld  %.0f steps/s  ETA %.1fs  loss %.4f\033[K", epoch_, epochs_,
               bar.c_str(), static_cast<long long>(step), static_cast<long long>(steps_), rate, eta, running_loss);
  std::fflush(stderr);
}

void ProgressBar::clear() {
  if (!active_) return;
  std::fprintf(stderr, "\r\033[K");
  std::fflush(stderr);
}

}  // namespace descent
