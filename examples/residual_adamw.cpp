// A small residual network (He et al. 2016's BasicBlock) on synthetic 8x8 images, trained with
// AdamW and a linear warmup into cosine annealing, stepped per batch. docs/cpp_api.md sets it
// beside its LibTorch spelling.
#include <descent/descent.hpp>

#include <cstdio>

using namespace descent;

int main() {
  manual_seed(0);
  Generator gen(0);
  // Three classes of one-channel 8x8 "images": Gaussian blobs in 64 dimensions, reshaped below;
  // the first 480 to train on, the other 240 to test.
  const Dataset blobs = make_blobs(720, 3, 64, gen, /*std=*/4.0);
  const Dataset train = blobs.rows(0, 480), test = blobs.rows(480, 720);

  Sequential model{Conv2d(1, 16, 3, {.padding = 1, .bias = false}, DType::f32, &gen),
                   BatchNorm2d(16),
                   ReLU(),
                   BasicBlock(16, 16, 1, Shortcut::B, DType::f32, &gen),
                   BasicBlock(16, 32, 2, Shortcut::B, DType::f32, &gen),
                   AdaptiveAvgPool2d(1),
                   Flatten(),
                   Linear(32, 3, true, DType::f32, &gen)};
  optim::AdamW optimizer(model.parameters(), {.lr = 3e-3, .weight_decay = 0.01});
  DataLoader loader(train, {.batch_size = 32, .shuffle = true, .seed = 1});
  const int epochs = 6;
  const int64_t steps = epochs * loader.batches_per_epoch();
  // 10 warmup steps from lr/10, then cosine annealing to 0 over the rest: torch's
  // SequentialLR([LinearLR(start_factor=0.1, total_iters=10), CosineAnnealingLR(T_max)], [10]).
  auto scheduler =
      optim::make_scheduler("warmup:steps=10,start_factor=0.1+cosine:T_max=" + std::to_string(steps - 10), optimizer);

  for (int epoch = 1; epoch <= epochs; ++epoch) {
    model.train();
    double loss_sum = 0;
    for (const Batch& batch : loader) {
      const Tensor images = batch.x.reshape({batch.x.size(0), 1, 8, 8});
      optimizer.zero_grad();
      Tensor loss = cross_entropy(model(images), batch.y);
      loss.backward();
      optimizer.step();
      scheduler->step();
      loss_sum += loss.item();
    }
    std::printf("epoch %d  loss %.4f  lr %.2e\n", epoch, loss_sum / static_cast<double>(loader.batches_per_epoch()),
                scheduler->get_last_lr()[0]);
  }

  NoGradGuard no_grad;
  model.eval();
  const Tensor logits = model(test.x.reshape({test.size(), 1, 8, 8}));
  const double accuracy = eq(logits.argmax(1), test.y).to(DType::f32).mean().item<double>();  // int64 0/1 hits
  std::printf("test accuracy %.1f%%\n", 100 * accuracy);
  return accuracy > 0.9 ? 0 : 1;
}
