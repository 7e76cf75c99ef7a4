// save_training and load_training: a custom loop stopped at any step and resumed from its
// checkpoint ends on exactly the same weights, losses and lrs as a loop never stopped; and a
// checkpoint that does not fit the loop is refused with a message.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

#include "descent/descent.hpp"

using namespace descent;
namespace fs = std::filesystem;

namespace {

fs::path temp_file(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("descent_training_io_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

// Everything a custom loop builds, from fixed seeds: a model with dropout (which draws from the
// default generator), AdamW, warmup then cosine, a shuffling loader.
struct Loop {
  Generator gen{7};
  Sequential model{Linear(2, 16, true, DType::f32, &gen), ReLU(), Dropout(0.2), Linear(16, 2, true, DType::f32, &gen)};
  optim::AdamW optimizer{model.parameters(), {.lr = 0.02, .weight_decay = 0.01}};
  std::unique_ptr<optim::LRScheduler> scheduler = optim::make_scheduler("warmup:steps=5+cosine:T_max=40", optimizer);
  DataLoader loader{make_spirals(40, gen), {.batch_size = 16, .shuffle = true, .seed = 3}};
  std::vector<double> losses;

  // One step of the loop: a batch (a new epoch when the last one ended), forward, backward,
  // update, schedule.
  void step() {
    Batch batch;
    if (!loader.next(batch)) {
      ASSERT_TRUE(loader.next(batch));  // the end of an epoch: begin the next
    }
    optimizer.zero_grad();
    Tensor loss = cross_entropy(model(batch.x), batch.y);
    loss.backward();
    optimizer.step();
    scheduler->step();
    losses.push_back(loss.item());
  }
};

// Equal doubles from float32 or float64 values: the same bits (no NaN arises here).
void expect_same_values(const NamedTensors& a, const NamedTensors& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].first, b[i].first);
    EXPECT_EQ(a[i].second.to_vector(), b[i].second.to_vector()) << a[i].first;
  }
}

TEST(TrainingIO, ACustomLoopKilledAndResumedEndsBitIdentical) {
  constexpr int kSteps = 23, kStopAt = 9;  // the stop falls inside an epoch (3 batches each)
  manual_seed(11);
  Loop whole;
  for (int i = 0; i < kSteps; ++i) whole.step();

  const fs::path path = temp_file("resume.safetensors");
  std::vector<double> losses;
  manual_seed(11);
  {
    Loop first;
    for (int i = 0; i < kStopAt; ++i) first.step();
    save_training(path, first.model, first.optimizer, first.scheduler.get(), &first.loader,
                  "{\"step\": " + std::to_string(kStopAt) + "}");
    losses = first.losses;
    for (int i = 0; i < 3; ++i) first.step();  // the killed process ran on a little after saving
  }
  manual_seed(999);  // a fresh process: a different default generator
  Loop resumed;
  const std::string extra =
      load_training(path, resumed.model, resumed.optimizer, resumed.scheduler.get(), &resumed.loader);
  EXPECT_EQ(extra, "{\"step\":9}");
  for (int i = kStopAt; i < kSteps; ++i) resumed.step();
  losses.insert(losses.end(), resumed.losses.begin(), resumed.losses.end());

  EXPECT_EQ(losses, whole.losses);
  expect_same_values(resumed.model.state_dict(), whole.model.state_dict());
  EXPECT_EQ(resumed.scheduler->get_last_lr(), whole.scheduler->get_last_lr());
  EXPECT_EQ(resumed.optimizer.param_groups()[0].lr(), whole.optimizer.param_groups()[0].lr());
  fs::remove(path);
}

void expect_value_error(const std::function<void()>& call, const std::string& needle) {
  try {
    call();
    FAIL() << "expected a ValueError containing '" << needle << "'";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(TrainingIO, RefusesACheckpointThatDoesNotFitTheLoop) {
  Loop loop;
  loop.step();
  const fs::path path = temp_file("fit.safetensors");
  save_training(path, loop.model, loop.optimizer, loop.scheduler.get(), nullptr);
  expect_value_error([&] { load_training(path, loop.model, loop.optimizer, nullptr, nullptr); },
                     "holds a scheduler state");
  expect_value_error([&] { load_training(path, loop.model, loop.optimizer, loop.scheduler.get(), &loop.loader); },
                     "holds no data loader state");
  expect_value_error([&] { save_training(path, loop.model, loop.optimizer, nullptr, nullptr, "{step: 1}"); },
                     "extra_json is not valid JSON");
  EXPECT_EQ(load_training(path, loop.model, loop.optimizer, loop.scheduler.get(), nullptr), "null");
  fs::remove(path);
}

TEST(TrainingIO, RefusesACheckpointOfAnotherKind) {
  Loop loop;
  const fs::path path = temp_file("kind.safetensors");
  TrainingState state;
  state.config = "{}";
  state.progress = R"({"epoch": 1})";  // as `descent train` writes: no "kind"
  save_checkpoint(path, state);
  expect_value_error([&] { load_training(path, loop.model, loop.optimizer, nullptr, nullptr); },
                     "load_training: " + path.string() +
                         " is a checkpoint of `descent train`; resume it with `descent train --resume`");
  state.progress = R"({"kind": "custom_loop"})";  // without the default generator's state
  save_checkpoint(path, state);
  try {
    load_training(path, loop.model, loop.optimizer, nullptr, nullptr);
    FAIL() << "expected an IOError";
  } catch (const IOError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("load_training: malformed progress in " + path.string() + ": ", 0), 0u)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("default_generator"), std::string::npos) << e.what();
  }
  fs::remove(path);
}

TEST(TrainingIO, ADamagedFileIsAnIOError) {
  Loop loop;
  loop.step();
  const fs::path path = temp_file("damaged.safetensors");
  save_training(path, loop.model, loop.optimizer, loop.scheduler.get(), &loop.loader);
  fs::resize_file(path, fs::file_size(path) - 5);
  EXPECT_THROW(load_training(path, loop.model, loop.optimizer, loop.scheduler.get(), &loop.loader), IOError);
  fs::remove(path);
}

}  // namespace
