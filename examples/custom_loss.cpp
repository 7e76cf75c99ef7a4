// A loss of your own, written with tensor methods, its gradient checked against central
// differences with gradcheck (as torch.autograd.gradcheck), then used to train a classifier.
// The loss is the focal loss of Lin et al. 2017 ("Focal Loss for Dense Object Detection",
// eq. 5): cross-entropy scaled by (1 - p_t)^gamma, so examples already classified well count less.
#include <descent/descent.hpp>

#include <cstdio>

using namespace descent;

// logits (N, C), target (N) int64 class indices; the mean over the batch.
Tensor focal_loss(const Tensor& logits, const Tensor& target, double gamma) {
  const Tensor log_pt = (one_hot(target, logits.size(1), logits.dtype()) * logits.log_softmax(1)).sum(1);
  return (-(1.0 - log_pt.exp()).pow(gamma) * log_pt).mean();
}

int main() {
  Generator gen(1);
  // gradcheck runs in float64: the logits are the input it perturbs, the targets are fixed.
  const Tensor logits = Tensor::normal({6, 3}, 0.0, 1.0, DType::f64, &gen);
  const Tensor target = Tensor::from_data(std::vector<int64_t>{0, 2, 1, 1, 0, 2}, {6});  // int64, as torch.long
  const GradcheckResult check =
      gradcheck([&](const std::vector<Tensor>& inputs) { return focal_loss(inputs[0], target, 2.0); }, {logits});
  if (!check.ok) {
    std::fprintf(stderr, "gradcheck failed: %s\n", check.message.c_str());
    return 1;
  }
  std::printf("gradcheck: ok (largest difference %.1e)\n", check.max_abs_error);

  const Dataset train = make_blobs(600, 3, 2, gen, /*std=*/1.5);
  Sequential model{Linear(2, 32, true, DType::f32, &gen), Tanh(), Linear(32, 3, true, DType::f32, &gen)};
  optim::Adam optimizer(model.parameters(), {.lr = 0.01});
  DataLoader loader(train, {.batch_size = 50, .shuffle = true, .seed = 2});
  for (int epoch = 1; epoch <= 30; ++epoch)
    for (const Batch& batch : loader) {
      optimizer.zero_grad();
      focal_loss(model(batch.x), batch.y, 2.0).backward();
      optimizer.step();
    }

  NoGradGuard no_grad;
  const double accuracy = eq(model(train.x).argmax(1), train.y).to(DType::f32).mean().item<double>();
  std::printf("training accuracy with the focal loss %.1f%%\n", 100 * accuracy);
  return accuracy > 0.8 ? 0 : 1;
}
