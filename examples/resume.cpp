// Saving and resuming a loop of your own: save_training writes the model, the optimizer, the
// scheduler, the data loader's position and the random state in one checksummed file;
// load_training puts them back in the right order. The resumed run ends on the same bits as a
// run never stopped. (LibTorch: torch::save of the model and the optimizer, one file each, and
// the scheduler, loader and generator left to you.)
#include <descent/descent.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

using namespace descent;

// Everything the loop builds, the same way each time it starts.
struct Training {
  Generator gen{5};
  Sequential model{Linear(2, 32, true, DType::f32, &gen), ReLU(), Dropout(0.1), Linear(32, 2, true, DType::f32, &gen)};
  optim::SGD optimizer{model.parameters(), {.lr = 0.1, .momentum = 0.9, .nesterov = true}};
  std::unique_ptr<optim::LRScheduler> scheduler = optim::make_scheduler("warmup:steps=5+cosine:T_max=55", optimizer);
  DataLoader loader{make_spirals(100, gen), {.batch_size = 20, .shuffle = true, .seed = 9}};
  int64_t step = 0;

  void train_until(int64_t last_step) {
    Batch batch;
    for (; step < last_step; ++step) {
      if (!loader.next(batch)) loader.next(batch);  // the end of an epoch: begin the next
      optimizer.zero_grad();
      cross_entropy(model(batch.x), batch.y).backward();
      optimizer.step();
      scheduler->step();
    }
  }
};

int main() {
  const std::filesystem::path path = std::filesystem::temp_directory_path() / "descent_resume_example.safetensors";
  const int64_t total = 60;

  manual_seed(1);
  Training whole;
  whole.train_until(total);

  manual_seed(1);
  {
    Training first;
    first.train_until(23);
    save_training(path, first.model, first.optimizer, first.scheduler.get(), &first.loader,
                  "{\"step\": " + std::to_string(first.step) + "}");
    std::printf("saved at step %lld\n", static_cast<long long>(first.step));
  }  // the process ends here; everything it built is gone

  Training resumed;
  const std::string extra =
      load_training(path, resumed.model, resumed.optimizer, resumed.scheduler.get(), &resumed.loader);
  resumed.step = std::stoll(extra.substr(extra.find(':') + 1));
  std::printf("resumed at step %lld\n", static_cast<long long>(resumed.step));
  resumed.train_until(total);
  std::filesystem::remove(path);

  const NamedTensors a = whole.model.state_dict(), b = resumed.model.state_dict();
  bool same = true;
  for (std::size_t i = 0; i < a.size(); ++i) same = same && a[i].second.to_vector() == b[i].second.to_vector();
  std::printf("resumed run equals the run never stopped: %s\n", same ? "yes, to the bit" : "NO");
  return same ? 0 : 1;
}
