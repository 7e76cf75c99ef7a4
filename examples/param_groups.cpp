// Per-group options and gradient clipping: weight decay on the weights but not on the biases
// (as torch.optim's param groups), a larger lr for the last layer, and the gradients' total
// norm clipped to 1 before every step (torch.nn.utils.clip_grad_norm_).
#include <descent/descent.hpp>

#include <algorithm>
#include <cstdio>

using namespace descent;

int main() {
  Generator gen(3);
  const Dataset train = make_spirals(200, gen, /*noise=*/0.1);
  Sequential model{Linear(2, 64, true, DType::f32, &gen), Tanh(), Linear(64, 64, true, DType::f32, &gen), Tanh(),
                   Linear(64, 2, true, DType::f32, &gen)};

  // Groups by name, as a LibTorch user builds them: a group's options override the optimizer's.
  std::vector<optim::ParamGroup> groups(3);
  for (const auto& [name, param] : model.named_parameters()) {
    optim::ParamGroup& group = name.ends_with(".bias") ? groups[1] : name.starts_with("4.") ? groups[2] : groups[0];
    group.params.push_back(param);
    group.names.push_back(name);
  }
  groups[1].options = {{"weight_decay", 0.0}};
  groups[2].options = {{"lr", 0.02}};
  // The same groups from glob patterns, as `descent train --param-group` takes them:
  //   make_param_groups(model.named_parameters(), {"*.bias:weight_decay=0", "4.*:lr=0.02"})
  optim::AdamW optimizer(groups, {.lr = 0.01, .weight_decay = 0.05});
  for (const optim::ParamGroup& group : optimizer.param_groups())
    std::printf("group of %zu tensors: lr %g, weight_decay %g\n", group.params.size(), group.lr(),
                group.get("weight_decay"));

  DataLoader loader(train, {.batch_size = 32, .shuffle = true, .seed = 4});
  double largest_norm = 0;
  for (int epoch = 1; epoch <= 40; ++epoch)
    for (const Batch& batch : loader) {
      optimizer.zero_grad();
      cross_entropy(model(batch.x), batch.y).backward();
      const double norm = clip_grad_norm_(model.parameters(), /*max_norm=*/1.0);
      largest_norm = std::max(largest_norm, norm);
      // After clipping, the total norm is at most max_norm (an infinite max_norm only measures it).
      if (clip_grad_norm_(model.parameters(), optim::kInfNorm) > 1.0 + 1e-5) {
        std::fprintf(stderr, "clipping left a norm above 1\n");
        return 1;
      }
      optimizer.step();
    }
  std::printf("largest gradient norm before clipping %.3f\n", largest_norm);

  NoGradGuard no_grad;
  const double accuracy = eq(model(train.x).argmax(1), train.y).to(DType::f32).mean().item<double>();
  std::printf("training accuracy %.1f%%\n", 100 * accuracy);
  return accuracy > 0.9 ? 0 : 1;
}
