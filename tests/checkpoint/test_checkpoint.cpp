// Checkpoint files: round trip, and every kind of damage gives a clear message while the
// previous good checkpoint stays loadable.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "descent/descent.hpp"
#include "descent/io/atomic_file.hpp"
#include "descent/optim/factory.hpp"
#include "descent/train/checkpoint.hpp"
#include "descent/train/run.hpp"

using namespace descent;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir(const std::string& name) {
  fs::path p = fs::temp_directory_path() / ("descent_ckpt_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

// A state with a model, an Adam optimizer that has taken a step, and some progress.
TrainingState sample_state() {
  Generator gen(1);
  auto model = make_mlp("mlp:4", 3, 2, {}, &gen);
  auto opt = optim::make_optimizer("adam:lr=0.01", model->parameters());
  cross_entropy((*model)(Tensor::normal(Shape{5, 3}, 0, 1, DType::f32, &gen)),
                Tensor::from_data({0.0, 1.0, 1.0, 0.0, 1.0}, Shape{5}, DType::i64))
      .backward();
  opt->step();
  TrainingState s;
  s.config = nlohmann::json{{"train", TrainConfig{}}, {"param_groups", nlohmann::json::array()}}.dump();
  s.model = model->state_dict();
  s.best_model = model->state_dict();
  s.optimizer = opt->state_dict();
  s.progress = nlohmann::json{{"epoch", 3}, {"inf", "inf"}}.dump();
  return s;
}

std::string read(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}
void write(const fs::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << bytes;
}

void expect_io_error(const fs::path& p, const std::string& needle) {
  try {
    load_checkpoint(p);
    FAIL() << "expected an IOError containing '" << needle << "'";
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(Checkpoint, RoundTripIsExact) {
  const fs::path dir = temp_dir("roundtrip");
  const TrainingState s = sample_state();
  save_checkpoint(dir / "a.safetensors", s);
  const TrainingState t = load_checkpoint(dir / "a.safetensors");
  ASSERT_EQ(t.model.size(), s.model.size());
  for (std::size_t i = 0; i < s.model.size(); ++i) {
    EXPECT_EQ(t.model[i].first, s.model[i].first);
    EXPECT_EQ(t.model[i].second.to_vector(), s.model[i].second.to_vector());
  }
  EXPECT_EQ(t.optimizer.optimizer, "adam");
  ASSERT_EQ(t.optimizer.state.size(), s.optimizer.state.size());
  for (const auto& [i, ps] : s.optimizer.state) {
    EXPECT_EQ(t.optimizer.state.at(i).scalars, ps.scalars);
    for (const auto& [k, b] : ps.buffers)
      EXPECT_EQ(t.optimizer.state.at(i).buffers.at(k).to_vector(), b.to_vector()) << k;
  }
  EXPECT_EQ(t.optimizer.groups, s.optimizer.groups);
  EXPECT_EQ(t.progress, s.progress);
  fs::remove_all(dir);
}

TEST(Checkpoint, FlippedByteIsCaughtByTheChecksum) {
  const fs::path dir = temp_dir("flip");
  save_checkpoint(dir / "a.safetensors", sample_state());
  std::string bytes = read(dir / "a.safetensors");
  bytes[bytes.size() - 3] ^= 0x10;  // inside the tensor data
  write(dir / "a.safetensors", bytes);
  expect_io_error(dir / "a.safetensors", "checksum mismatch");
  fs::remove_all(dir);
}

TEST(Checkpoint, TruncatedFileIsRefused) {
  const fs::path dir = temp_dir("trunc");
  save_checkpoint(dir / "a.safetensors", sample_state());
  const std::string bytes = read(dir / "a.safetensors");
  write(dir / "a.safetensors", bytes.substr(0, bytes.size() / 2));
  expect_io_error(dir / "a.safetensors", "a.safetensors");
  fs::remove_all(dir);
}

TEST(Checkpoint, NewerFormatVersionIsRefused) {
  const fs::path dir = temp_dir("version");
  TrainingState s = sample_state();
  s.format_version = kCheckpointFormatVersion + 1;
  save_checkpoint(dir / "a.safetensors", s);
  expect_io_error(dir / "a.safetensors", "newer than this descent reads");
  fs::remove_all(dir);
}

TEST(Checkpoint, ShapesThatDoNotFitTheModelAreRefused) {
  const TrainingState s = sample_state();
  Generator gen(2);
  auto other = make_mlp("mlp:5", 3, 2, {}, &gen);
  EXPECT_THROW(other->load_state_dict(s.model), ShapeError);
  auto opt = optim::make_optimizer("adam:lr=0.01", other->parameters());
  EXPECT_THROW(opt->load_state_dict(s.optimizer), ValueError);
}

TEST(Checkpoint, MissingRunFolderAndEmptyFolder) {
  try {
    load_latest_checkpoint("/nonexistent/run");
    FAIL();
  } catch (const IOError& e) {
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
  const fs::path dir = temp_dir("empty");
  EXPECT_THROW(load_latest_checkpoint(dir), IOError);
  fs::remove_all(dir);
}

TEST(Checkpoint, CorruptNewestFallsBackToThePreviousGoodOne) {
  const fs::path run = temp_dir("fallback");
  TrainingState s = sample_state();
  s.progress = nlohmann::json{{"epoch", 1}}.dump();
  save_checkpoint(checkpoint_path(run, 10), s);
  s.progress = nlohmann::json{{"epoch", 2}}.dump();
  save_checkpoint(checkpoint_path(run, 20), s);
  std::string bytes = read(checkpoint_path(run, 20));
  bytes[bytes.size() - 1] ^= 1;
  write(checkpoint_path(run, 20), bytes);
  std::vector<std::string> skipped;
  const TrainingState t = load_latest_checkpoint(run, &skipped);
  EXPECT_EQ(nlohmann::json::parse(t.progress)["epoch"], 1);
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].find("checksum"), std::string::npos) << skipped[0];
  fs::remove_all(run);
}

TEST(Checkpoint, FullDiskDuringSaveKeepsThePreviousCheckpoint) {
  const fs::path dir = temp_dir("fulldisk");
  TrainingState s = sample_state();
  save_checkpoint(dir / "a.safetensors", s);
  const std::string good = read(dir / "a.safetensors");
  s.progress = nlohmann::json{{"epoch", 99}}.dump();
  inject_write_failure_after(100);  // the disk fills 100 bytes into the next save
  try {
    save_checkpoint(dir / "a.safetensors", s);
    inject_write_failure_after(-1);
    FAIL() << "expected the save to fail";
  } catch (const IOError& e) {
    inject_write_failure_after(-1);
    EXPECT_NE(std::string(e.what()).find("a.safetensors"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read(dir / "a.safetensors"), good);
  EXPECT_EQ(nlohmann::json::parse(load_checkpoint(dir / "a.safetensors").progress)["epoch"], 3);
  std::size_t files = 0;
  for (auto& e : fs::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);  // no temporary left behind
  fs::remove_all(dir);
}

TEST(Checkpoint, KeepsTheNewestK) {
  const fs::path run = temp_dir("prune");
  const TrainingState s = sample_state();
  for (int step : {5, 10, 15, 20}) save_checkpoint(checkpoint_path(run, step), s);
  write(checkpoint_dir(run) / ".step-0000000025.safetensors.tmp-1-1", "partial");
  prune_checkpoints(run, 2);
  const auto left = list_checkpoints(run);
  ASSERT_EQ(left.size(), 2u);
  EXPECT_EQ(left[0], checkpoint_path(run, 20));
  EXPECT_EQ(left[1], checkpoint_path(run, 15));
  EXPECT_FALSE(fs::exists(checkpoint_dir(run) / ".step-0000000025.safetensors.tmp-1-1"));
  fs::remove_all(run);
}

// A checkpoint's "progress" keeps the keys it has always had, so checkpoints written before
// TrainingProgress existed still resume.
TEST(Checkpoint, ProgressKeysStayTheSame) {
  const nlohmann::json written_before = nlohmann::json::parse(R"({
    "epoch": 2, "epoch_started": true, "step": 3, "global_step": 7, "loss_sum": 1.5, "seen": 48,
    "correct": 30, "seconds": 0.25, "lr": 0.001, "have_best": true, "epochs_without_improvement": 0,
    "best_epoch": 1, "best_dev_acc": 0.75, "best_dev_loss": 0.5,
    "history": [{"epoch": 1, "train_loss": 0.6, "train_acc": 0.7, "dev_loss": 0.5, "dev_acc": 0.75,
                 "lr": 0.001, "seconds": 0.5, "steps": 4}],
    "step_losses": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3]})");
  const auto progress = written_before.get<TrainingProgress>();
  EXPECT_EQ(progress.global_step, 7);
  ASSERT_EQ(progress.history.size(), 1u);
  EXPECT_EQ(progress.history[0].steps, 4);
  EXPECT_EQ(nlohmann::json(progress), written_before);
}
