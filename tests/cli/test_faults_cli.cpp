// The faults a user could hit through `descent` without a word (issue 15), each run as a user
// runs it: a reused run folder, NLL on logits, divergence before the first epoch ends,
// per-epoch seconds with mid-epoch checkpoints, bad labels, damaged weights, two-line
// messages, and extending a finished run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/cli_files.hpp"
#include "descent/data/idx.hpp"
#include "descent/io/safetensors.hpp"

namespace fs = std::filesystem;
using namespace descent;
using namespace descent::testing;

namespace {

const std::string kSmallRun = " --dev-size 20 --model mlp:4 --batch-size 16 --threads 1 --quiet";

fs::path small_csv(const fs::path& dir) {
  write_bytes(dir / "small.csv", csv_text());
  return dir / "small.csv";
}

std::string train_args(const fs::path& csv, const fs::path& out, int epochs) {
  return "train --data " + csv.string() + kSmallRun + " --epochs " + std::to_string(epochs) + " --out " + out.string();
}

void expect_one_line(const CliRun& run, const std::string& needle) {
  EXPECT_EQ(run.code, 2) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_NE(run.err.find(needle), std::string::npos) << "missing '" << needle << "' in: " << run.err;
}

std::vector<nlohmann::json> metrics_of(const fs::path& run_dir) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(read_file(run_dir / "metrics.jsonl"));
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

}  // namespace

// A run killed mid-write leaves an atomic write's temporary (".metrics.jsonl.tmp-PID-N"):
// --overwrite removes it with the run's files; a file no run writes is still refused.
TEST(Faults, OverwriteRemovesAKilledRunsTemporaries) {
  const fs::path dir = fresh_dir("faults", "temporaries");
  const fs::path csv = small_csv(dir), run_dir = dir / "r";
  ASSERT_EQ(run_cli(train_args(csv, run_dir, 1)).code, 0);
  std::ofstream(run_dir / ".metrics.jsonl.tmp-4242-1") << "{\"epoch\": 1";
  ASSERT_EQ(run_cli(train_args(csv, run_dir, 1) + " --overwrite").code, 0);
  EXPECT_FALSE(fs::exists(run_dir / ".metrics.jsonl.tmp-4242-1"));
  std::ofstream(run_dir / "notes.txt") << "mine";
  expect_one_line(run_cli(train_args(csv, run_dir, 1) + " --overwrite"), "notes.txt");
  EXPECT_TRUE(fs::exists(run_dir / "notes.txt"));
}

// 1. A second run into a run folder is refused; --overwrite starts clean, and pruning then keeps
// the new run's checkpoints; a checkpoint of another run is not resumed.
TEST(Faults, ReusedRunFolder) {
  const fs::path dir = fresh_dir("faults", "reuse");
  const fs::path csv = small_csv(dir), run_dir = dir / "r";
  ASSERT_EQ(run_cli(train_args(csv, run_dir, 3)).code, 0);
  const auto before = folder_bytes(run_dir);
  expect_one_line(run_cli(train_args(csv, run_dir, 1)), "--overwrite");
  EXPECT_EQ(folder_bytes(run_dir), before);
  expect_one_line(run_cli("compare --optimizer sgd --data " + csv.string() + kSmallRun + " --epochs 1 --out " +
                          run_dir.string()),
                  "--overwrite");
  EXPECT_EQ(folder_bytes(run_dir), before);

  ASSERT_EQ(run_cli(train_args(csv, run_dir, 1) + " --overwrite").code, 0);
  const int64_t steps = metrics_of(run_dir).back()["steps"];
  EXPECT_EQ(metrics_of(run_dir).size(), 1u);
  EXPECT_TRUE(fs::exists(
      run_dir / "checkpoints" /
      ("step-" + std::string(10 - std::to_string(steps).size(), '0') + std::to_string(steps) + ".safetensors")));
  for (const auto& entry : fs::directory_iterator(run_dir / "checkpoints"))
    EXPECT_LE(std::stoll(entry.path().stem().string().substr(5)), steps) << entry.path();

  const fs::path other = dir / "other";
  ASSERT_EQ(run_cli(train_args(csv, other, 2) + " --seed 7").code, 0);
  for (const auto& entry : fs::directory_iterator(other / "checkpoints"))
    fs::copy_file(entry.path(), run_dir / "checkpoints" / entry.path().filename(),
                  fs::copy_options::overwrite_existing);
  expect_one_line(run_cli("train --resume " + run_dir.string()), "belongs to another run");
}

// 2. NLL takes log-probabilities; the CLI's models end in logits.
TEST(Faults, NllOnLogitsIsRefused) {
  const fs::path dir = fresh_dir("faults", "nll");
  expect_one_line(run_cli(train_args(small_csv(dir), dir / "r", 1) + " --loss nll"), "--loss cross_entropy");
  EXPECT_FALSE(fs::exists(dir / "r"));
}

// 3. Diverging before any epoch ends keeps the initial weights, and says so.
TEST(Faults, DivergenceInTheFirstEpochKeepsTheInitialWeights) {
  const fs::path dir = fresh_dir("faults", "diverge");
  const CliRun run =
      run_cli("train --data " + small_csv(dir).string() +
              " --dev-size 20 --batch-size 16 --epochs 3 --threads 1 --quiet --optimizer sgd:lr=1e30 --out " +
              (dir / "r").string());
  EXPECT_EQ(run.code, 3) << run.out << run.err;
  EXPECT_NE(run.err.find("kept the initial parameters"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("best parameters so far"), std::string::npos) << run.err;
  const SafetensorsFile weights = load_safetensors(dir / "r" / "best.safetensors");
  for (const auto& [name, tensor] : weights.tensors)
    for (double w : tensor.to_vector()) ASSERT_LT(std::abs(w), 10.0) << name;  // torch's init: |w| <= 1/sqrt(fan_in)
}

// 4. With mid-epoch checkpoints each epoch's seconds are its own, not the run's so far.
TEST(Faults, CheckpointEveryKeepsEpochSecondsPerEpoch) {
  const fs::path dir = fresh_dir("faults", "seconds");
  ASSERT_EQ(run_cli(train_args(small_csv(dir), dir / "r", 4) + " --checkpoint-every 2").code, 0);
  double sum = 0;
  for (const auto& line : metrics_of(dir / "r")) sum += line["seconds"].get<double>();
  const auto summary = nlohmann::json::parse(read_file(dir / "r" / "summary.json"));
  EXPECT_LE(sum, summary["seconds"].get<double>() + 1e-3);  // cumulative seconds would add to about 2.5 times it
}

// 5. Bad labels are named by file, line and value; the task is stated and reported.
TEST(Faults, BadLabelsAreNamedAndTheTaskIsReported) {
  const fs::path dir = fresh_dir("faults", "labels");
  auto with_label = [&](const std::string& name, const std::string& value) {
    write_bytes(dir / name,
                csv_text([&](int row, const char* label) { return row == 41 ? value : std::string(label); }));
    return dir / name;
  };
  for (const std::string value : {"-1", "1.5", "1000000"}) {
    const CliRun run = run_cli(train_args(with_label("bad" + value + ".csv", value), dir / "r", 1));
    expect_one_line(run, "line 43: label " + value);  // row 41 is on line 43, after the header
    EXPECT_NE(run.err.find("bad" + value + ".csv"), std::string::npos) << run.err;
  }
  const fs::path idx = dir / "idx";
  fs::create_directories(idx);
  write_idx(idx / "train-images-idx3-ubyte", std::vector<int64_t>{30, 2, 2}, std::vector<uint8_t>(120, 7));
  std::vector<uint8_t> labels(30);
  for (int i = 0; i < 30; ++i) labels[static_cast<std::size_t>(i)] = static_cast<uint8_t>(i % 10);
  labels[17] = 200;
  write_idx(idx / "train-labels-idx1-ubyte", std::vector<int64_t>{30}, labels);
  write_idx(idx / "t10k-images-idx3-ubyte", std::vector<int64_t>{10, 2, 2}, std::vector<uint8_t>(40, 7));
  write_idx(idx / "t10k-labels-idx1-ubyte", std::vector<int64_t>{10},
            std::vector<uint8_t>(labels.begin(), labels.begin() + 10));
  const CliRun idx_run =
      run_cli("train --data " + idx.string() + " --dev-size 5 --epochs 1 --quiet --out " + (dir / "i").string());
  expect_one_line(idx_run, "label 200 of example 17 implies 201 classes");
  EXPECT_NE(idx_run.err.find("train-labels-idx1-ubyte"), std::string::npos) << idx_run.err;

  const CliRun classes = run_cli("train --data " + small_csv(dir).string() +
                                 " --dev-size 20 --model mlp:4 --epochs 1 --threads 1 --out " + (dir / "c").string());
  EXPECT_NE(classes.out.find("task classification (2 classes)"), std::string::npos) << classes.out;
  const CliRun targets = run_cli(
      "train --data " + with_label("t.csv", "1.5").string() +
      " --task regression --loss mse --dev-size 20 --model mlp:4 --epochs 2 --threads 1 --out " + (dir / "t").string());
  ASSERT_EQ(targets.code, 0) << targets.err;
  EXPECT_NE(targets.out.find("task regression"), std::string::npos) << targets.out;
  EXPECT_NE(targets.out.find("best dev_loss"), std::string::npos) << targets.out;
  EXPECT_NE(targets.out.find("test_rmse"), std::string::npos) << targets.out;
  EXPECT_NE(targets.out.find("test_mae"), std::string::npos) << targets.out;
}

// 6. A flipped byte in best.safetensors names the tensor; a file without checksums loads with a note.
TEST(Faults, WeightsCarryChecksums) {
  const fs::path dir = fresh_dir("faults", "checksum");
  ASSERT_EQ(run_cli(train_args(small_csv(dir), dir / "r", 1)).code, 0);
  const fs::path weights = dir / "r" / "best.safetensors";
  SafetensorsFile file = load_safetensors(weights);
  EXPECT_TRUE(file.checksummed);
  EXPECT_EQ(file.metadata.at(kFormatVersionKey), "1");
  std::string bytes = read_file(weights);
  bytes[bytes.size() - 3] = static_cast<char>(bytes[bytes.size() - 3] ^ 0x40);  // in the last tensor's data
  write_bytes(dir / "flipped.safetensors", bytes);
  const CliRun flipped = run_cli("eval --weights " + (dir / "flipped.safetensors").string());
  expect_one_line(flipped, "tensor '" + file.tensors.back().first + "' is damaged");

  file.metadata.erase(kChecksumsKey);
  file.metadata.erase(kFormatVersionKey);
  save_safetensors(dir / "old.safetensors", file.tensors, file.metadata);
  const CliRun old = run_cli("eval --weights " + (dir / "old.safetensors").string());
  EXPECT_EQ(old.code, 0) << old.err;
  EXPECT_NE(old.err.find("note: "), std::string::npos) << old.err;
  EXPECT_NE(old.out.find("test_acc"), std::string::npos) << old.out;
}

// 7. One line, exit code 2, and a message that says what to do.
TEST(Faults, OneLineMessages) {
  const fs::path dir = fresh_dir("faults", "messages");
  expect_one_line(run_cli("trian"), "unknown command 'trian'; did you mean 'train'?");
  expect_one_line(run_cli("train --no-such-flag"), "--no-such-flag");
  expect_one_line(run_cli("train --epochs many"), "--epochs");
  expect_one_line(run_cli("eval"), "--weights");
  expect_one_line(run_cli("train --data mnist --quiet --out " + (dir / "m").string(), dir,
                          "DESCENT_DATA_DIR=" + dir.string()),
                  "DESCENT_DATA_DIR");

  small_csv(dir);  // a relative --data path, trained in dir and evaluated from elsewhere
  ASSERT_EQ(run_cli("train --data small.csv" + kSmallRun + " --epochs 1 --out r", dir).code, 0);
  const CliRun elsewhere =
      run_cli("eval --weights " + (dir / "r" / "best.safetensors").string(), fs::temp_directory_path());
  EXPECT_EQ(elsewhere.code, 0) << elsewhere.err;

  SafetensorsFile file = load_safetensors(dir / "r" / "best.safetensors");
  file.metadata["descent_config"] = "{\"data\": ";
  save_safetensors(dir / "bad_json.safetensors", file.tensors, file.metadata);
  const CliRun bad_json = run_cli("eval --weights " + (dir / "bad_json.safetensors").string());
  expect_one_line(bad_json, "bad_json.safetensors: the descent_config");

  const fs::path checkpoint = fs::directory_iterator(dir / "r" / "checkpoints")->path();
  expect_one_line(run_cli("eval --weights " + checkpoint.string()), "is a training checkpoint");
}

// 8. --resume R --epochs N extends a finished run whose schedule does not depend on its length.
TEST(Faults, ExtendingAFinishedRun) {
  const fs::path dir = fresh_dir("faults", "extend");
  const fs::path csv = small_csv(dir);
  ASSERT_EQ(run_cli(train_args(csv, dir / "r", 2) + " --schedule step:step_size=1,gamma=0.5").code, 0);
  const CliRun extended = run_cli("train --resume " + (dir / "r").string() + " --epochs 4 --quiet");
  ASSERT_EQ(extended.code, 0) << extended.err;
  const auto lines = metrics_of(dir / "r");
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[3]["epoch"], 4);
  EXPECT_DOUBLE_EQ(lines[3]["lr"].get<double>(), 1e-3 * 0.125);  // the step schedule went on
  EXPECT_EQ(nlohmann::json::parse(read_file(dir / "r" / "config.json"))["epochs"], 4);

  ASSERT_EQ(run_cli(train_args(csv, dir / "cos", 2)).code, 0);  // plain cosine anneals over the run's 2 epochs
  expect_one_line(run_cli("train --resume " + (dir / "cos").string() + " --epochs 4"), "cosine");
  expect_one_line(run_cli("train --resume " + (dir / "cos").string() + " --epochs 1"), "conflicts");

  // With lr 0 no epoch beats the first: patience 1 stops the run after its second of 5.
  ASSERT_EQ(run_cli(train_args(csv, dir / "early", 5) + " --schedule constant --optimizer sgd:lr=0 --patience 1").code,
            0);
  expect_one_line(run_cli("train --resume " + (dir / "early").string() + " --epochs 8"),
                  "stopped early after 2 of its 5");
}
