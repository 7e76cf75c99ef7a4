// Extending descent's training loop with a callback, as with a Keras callback: this one logs
// the gradient norm after each backward pass (the gradients are ready then) and stops
// training once the dev accuracy passes a threshold.
//
//   build/release/examples/callback
#include <cmath>
#include <cstdio>

#include "descent/descent.hpp"

using namespace descent;

class GradientNormAndTarget : public Callback {
 public:
  explicit GradientNormAndTarget(double target_dev_acc) : target_(target_dev_acc) {}

  // The global L2 norm of the gradients, as clip_grad_norm_ measures it.
  void after_backward(FitContext& context) override {
    double squares = 0;
    for (const Tensor& p : context.model.parameters())
      for (double g : p.grad().to_vector()) squares += g * g;
    norm_sum_ += std::sqrt(squares);
    ++steps_;
  }

  void on_epoch_end(FitContext& context) override {
    const EpochMetrics& m = context.progress.history.back();
    std::printf("epoch %2d  dev_acc %5.1f%%  mean gradient norm %.4f\n", m.epoch, 100 * m.dev_acc,
                norm_sum_ / static_cast<double>(steps_));
    norm_sum_ = 0;
    steps_ = 0;
    if (m.dev_acc >= target_) {
      context.stop = true;
      context.stop_reason = "dev accuracy reached the target";
    }
  }

 private:
  double target_;
  double norm_sum_ = 0;
  int64_t steps_ = 0;
};

int main() {
  Generator gen(42);
  DataSplits data;
  data.train = make_spirals(500, gen, /*noise=*/0.1);
  data.dev = make_spirals(200, gen, 0.1);
  data.test = make_spirals(200, gen, 0.1);
  auto model = make_mlp("mlp:64-64", 2, 2, {.activation = "tanh"}, &gen);
  auto optimizer = optim::make_optimizer("adam:lr=0.01", model->parameters());

  FitOptions options;
  options.epochs = 100;
  options.batch_size = 32;
  options.quiet = true;  // the callback prints instead of descent's epoch lines
  GradientNormAndTarget callback(/*target_dev_acc=*/0.95);
  const FitResult result = fit(*model, *optimizer, data, options, {.callbacks = {&callback}});

  std::printf("stopped after %zu epochs (%s); best dev_acc %.1f%% at epoch %d, test accuracy %.1f%%\n",
              result.history.size(), result.stop_reason.c_str(), 100 * result.best_dev_acc, result.best_epoch,
              100 * result.test_acc);
  return result.stopped_early && result.test_acc > 0.9 ? 0 : 1;
}
