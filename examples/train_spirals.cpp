// Training an MLP with descent's library API, written the way a PyTorch user writes it:
// a model, an optimizer, a data loader, and the loop (forward, loss, backward, step).
//
//   build/release/examples/train_spirals
//
// The data are two interleaved spirals, a classic task no linear model can solve.
#include <cstdio>

#include "descent/descent.hpp"

using namespace descent;

int main() {
  Generator gen(42);
  const Dataset train = make_spirals(500, gen, /*noise=*/0.1);
  const Dataset test = make_spirals(200, gen, 0.1);

  // model = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 2))
  // Braces, not parentheses: C++ evaluates a braced list left to right, so the layers draw
  // their initial weights from `gen` in order, as PyTorch does.
  Sequential model{Linear(2, 64, true, DType::f32, &gen), Tanh(), Linear(64, 64, true, DType::f32, &gen), Tanh(),
                   Linear(64, 2, true, DType::f32, &gen)};
  // optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
  auto optimizer = optim::make_optimizer("adam:lr=0.01", model.parameters());
  DataLoader loader(train, {.batch_size = 32, .shuffle = true, .seed = 1});

  for (int epoch = 1; epoch <= 60; ++epoch) {
    double total = 0;
    int64_t batches = 0;
    for (const Batch& batch : loader) {
      optimizer->zero_grad();
      Tensor loss = cross_entropy(model(batch.x), batch.y);
      loss.backward();
      optimizer->step();
      total += loss.item();
      ++batches;
    }
    if (epoch % 10 == 0) std::printf("epoch %2d  mean loss %.4f\n", epoch, total / static_cast<double>(batches));
  }

  NoGradGuard no_grad;
  model.eval();
  const Tensor predicted = argmax(model(test.x), 1);
  // argmax gives int64 class indices, the labels are int64: the hits are 0/1 int64, their sum is exact.
  const double accuracy =
      static_cast<double>(eq(predicted, test.y).sum().item<int64_t>()) / static_cast<double>(test.size());
  std::printf("test accuracy %.1f%%\n", 100 * accuracy);
  return accuracy > 0.9 ? 0 : 1;
}
