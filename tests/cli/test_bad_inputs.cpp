// A corpus of malformed inputs through the `descent` command (issue 15): bad flags and specs,
// damaged CSV, IDX, safetensors and checkpoint files, run folders that cannot be written or
// resumed. Each case must end with exit code 2, exactly one line on stderr naming what was
// wrong, and every file that was there before byte-identical after.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "cli/cli_files.hpp"
#include "descent/data/idx.hpp"

namespace fs = std::filesystem;
using namespace descent;
using namespace descent::testing;

namespace {

// In `args`, {dir} is the case's own folder, holding copies of the good files: small.csv, an IDX
// folder idx/, and run/, a finished one-epoch run with its checkpoint.
struct BadInput {
  std::string name;
  std::string args;
  std::string names;                           // what the one line must mention
  std::function<void(const fs::path&)> spoil;  // what the case damages in its folder (none: the flags are bad)
  std::string env = "";                        // the command runs in {dir} with these set
};

const std::string kTrain = "train --data {dir}/small.csv --dev-size 20 --model mlp:4 --epochs 1 --threads 1 --quiet ";
const std::string kNew = kTrain + "--out {dir}/new ";
const std::string kModelFree =
    "train --data {dir}/small.csv --dev-size 20 --epochs 1 --threads 1 --quiet --out {dir}/new ";
const std::string kEval = "eval --weights {dir}/run/best.safetensors ";
const std::string kLandscape = "landscape --weights {dir}/run/best.safetensors --out {dir}/l.svg ";

std::string idx_header(uint32_t magic, std::vector<uint32_t> dims) {
  std::string bytes;
  dims.insert(dims.begin(), magic);
  for (uint32_t v : dims) bytes += {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  return bytes;
}

std::string safetensors_bytes(const std::string& header, const std::string& data) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<char>(header.size() >> (8 * i));
  return bytes + header + data;
}

// Writes `bytes` to {dir}/NAME.
std::function<void(const fs::path&)> file(const std::string& name, const std::string& bytes) {
  return [=](const fs::path& dir) { write_bytes(dir / name, bytes); };
}

// {dir}/NAME with its byte at `from_end` (counted from the end) flipped, or cut to `keep` bytes.
std::function<void(const fs::path&)> flip(const std::string& name, std::size_t from_end) {
  return [=](const fs::path& dir) {
    std::string bytes = read_file(dir / name);
    bytes[bytes.size() - from_end] = static_cast<char>(bytes[bytes.size() - from_end] ^ 0x21);
    write_bytes(dir / name, bytes);
  };
}
std::function<void(const fs::path&)> cut(const std::string& name, std::size_t keep) {
  return [=](const fs::path& dir) { write_bytes(dir / name, read_file(dir / name).substr(0, keep)); };
}

// Every checkpoint of {dir}/run damaged by `damage(checkpoints folder, file name)`.
std::function<void(const fs::path&)> every_checkpoint(
    const std::function<std::function<void(const fs::path&)>(const std::string&)>& damage) {
  return [=](const fs::path& dir) {
    for (const auto& entry : fs::directory_iterator(dir / "run" / "checkpoints"))
      damage(entry.path().filename().string())(entry.path().parent_path());
  };
}

std::string csv_with_label(int row, const std::string& value) {
  return csv_text([&](int r, const char* label) { return r == row ? value : std::string(label); });
}

const std::vector<BadInput>& cases() {
  static const std::vector<BadInput> table = {
      // commands and flags
      {"misspelled command", "trian", "did you mean 'train'?", {}},
      {"misspelled eval", "evl", "did you mean 'eval'?", {}},
      {"unknown command", "frobnicate", "unknown command 'frobnicate'", {}},
      {"unknown flag", "train --no-such-flag", "--no-such-flag", {}},
      {"flag without value", "train --epochs", "--epochs", {}},
      {"non-numeric epochs", "train --epochs many", "--epochs", {}},
      {"negative epochs", kNew + "--epochs -1", "--epochs", {}},
      {"zero batch size", kNew + "--batch-size 0", "--batch-size", {}},
      {"dropout above 1", kNew + "--dropout 1.5", "--dropout", {}},
      {"negative l2", kNew + "--l2 -1", "--l2", {}},
      {"negative clip", kNew + "--clip-grad-norm -1", "--clip-grad-norm", {}},
      {"negative patience", kNew + "--patience -1", "--patience", {}},
      {"random labels above 1", kNew + "--random-labels 2", "--random-labels", {}},
      {"negative threads", kNew + "--threads -1", "--threads", {}},
      {"negative checkpoint interval", kNew + "--checkpoint-every -1", "--checkpoint-every", {}},
      {"no checkpoints kept", kNew + "--keep-checkpoints 0", "--keep-checkpoints", {}},
      {"unknown optimizer", kNew + "--optimizer adamm", "adam", {}},
      {"misspelled hyperparameter", kNew + "--optimizer sgd:lr=0.1,momentun=0.9", "momentum", {}},
      {"negative learning rate", kNew + "--optimizer sgd:lr=-1", "lr", {}},
      {"malformed optimizer spec", kNew + "--optimizer sgd:lr", "lr", {}},
      {"zero hidden units", kModelFree + "--model mlp:0", "mlp:0", {}},
      {"unknown model", kModelFree + "--model cnn", "cnn", {}},
      {"unknown activation", kNew + "--activation swish", "swish", {}},
      {"unknown init", kNew + "--init bogus", "bogus", {}},
      {"unknown loss", kNew + "--loss hinge", "hinge", {}},
      {"nll on logits", kNew + "--loss nll", "--loss cross_entropy", {}},
      {"unknown scaling", kNew + "--scaling minmax", "minmax", {}},
      {"unknown task", kNew + "--task ranking", "--task", {}},
      {"unknown schedule", kNew + "--schedule nope", "nope", {}},
      {"zero T_max", kNew + "--schedule cosine:T_max=0", "T_max", {}},
      {"schedule per week", kNew + "--schedule-per week", "--schedule-per", {}},
      {"plateau per batch", kNew + "--schedule plateau --schedule-per batch", "--schedule-per epoch", {}},
      {"param group without options", kNew + "--param-group nocolon", "--param-group", {}},
      {"param group matching nothing", kNew + "--param-group 'zzz*:lr=0.1'", "matches no parameter", {}},
      {"dev set as large as the data", kNew + "--dev-size 1000", "--dev-size", {}},
      {"unknown label column", kNew + "--label-column nope", "nope", {}},
      {"label column out of range", kNew + "--label-column 9", "out of range", {}},
      {"compare without optimizers", "compare --out {dir}/cmp", "--optimizer", {}},
      {"compare smoothing of 1", "compare --optimizer sgd --smoothing 1 --out {dir}/cmp", "--smoothing", {}},
      {"schedule command, bad spec", "schedule --schedule nope --svg {dir}/s.svg", "nope", {}},
      {"trajectory of an unknown function", "trajectory --function nope --svg {dir}/t.svg", "valid:", {}},
      {"optimizers with a bad flag", "optimizers --bogus", "--bogus", {}},
      {"trajectory start without a comma", "trajectory --function rosenbrock --start 1", "--start '1' is not two", {}},
      {"trajectory start not a number", "trajectory --function rosenbrock --start 1,x", "X,Y", {}},
      {"schedule plot into a folder path", "schedule --schedule cosine:T_max=5 --svg {dir}/", "names a folder", {}},
      {"landscape range without a comma", kLandscape + "--range 1", "--range expects LO,HI", {}},
      {"landscape range with trailing text", kLandscape + "--range -1,1x", "got '-1,1x'", {}},
      {"landscape range not numbers", kLandscape + "--range a,b", "--range expects LO,HI", {}},
      {"landscape of no examples", kLandscape + "--examples 0", "--examples must be positive", {}},
      {"conv net on a table", kModelFree + "--model lenet5", "needs images (C, H, W)", {}},
      {"augmenting float64 images",
       "train --data {dir}/idx --dev-size 5 --dtype float64 --augment flip --quiet --out {dir}/new",
       "float32",
       {}},
      {"regression set as classes",
       "train --data linear-regression --task classification --quiet --out {dir}/new",
       "are regression targets; use --task regression",
       {}},
      // data files
      {"missing data", "train --data {dir}/none.csv --quiet --out {dir}/new", "none.csv", {}},
      {"non-numeric cell", "train --data {dir}/bad.csv --quiet --out {dir}/new", "oops",
       file("bad.csv", "a,b,label\n1,2,0\n3,oops,1\n")},
      {"ragged row", "train --data {dir}/bad.csv --quiet --out {dir}/new", "line 3",
       file("bad.csv", "a,b,label\n1,2,0\n3,1\n")},
      {"empty CSV", "train --data {dir}/bad.csv --quiet --out {dir}/new", "bad.csv", file("bad.csv", "")},
      {"header only", "train --data {dir}/bad.csv --quiet --out {dir}/new", "no data rows",
       file("bad.csv", "a,b,label\n")},
      {"one column", "train --data {dir}/bad.csv --quiet --out {dir}/new", "at least 2",
       file("bad.csv", "label\n1\n0\n")},
      {"too few rows", "train --data {dir}/bad.csv --quiet --out {dir}/new", "data rows",
       file("bad.csv", "a,label\n1,0\n2,1\n")},
      {"infinite cell", "train --data {dir}/bad.csv --quiet --out {dir}/new", "inf",
       file("bad.csv", "a,b,label\n1,2,0\n3,inf,1\n")},
      {"label -1", "train --data {dir}/bad.csv --quiet --out {dir}/new", "line 13: label -1",
       file("bad.csv", csv_with_label(11, "-1"))},
      // tasks and their losses
      {"multi-label 0.5", kNew + "--task multilabel", "line 13, column 3 ('label'): label 0.5 is not 0 or 1",
       file("small.csv", csv_with_label(11, "0.5"))},
      {"multi-label feature column", kNew + "--task multilabel --label-columns 0,2", "column 1 ('x1')", {}},
      {"label columns without the task", kNew + "--label-columns 1-2", "pass --task multilabel", {}},
      {"label column and columns", kNew + "--task multilabel --label-column 2 --label-columns 1-2", "pass one", {}},
      {"label column twice", kNew + "--task multilabel --label-columns 2,label", "twice", {}},
      {"bce with regression", kNew + "--task regression --loss bce", "regression targets", {}},
      {"cross-entropy for multi-label", kNew + "--task multilabel --loss cross_entropy", "--loss bce", {}},
      {"label smoothing 1", kNew + "--label-smoothing 1", "--label-smoothing", {}},
      {"label smoothing negative", kNew + "--label-smoothing -0.1", "--label-smoothing", {}},
      {"label smoothing with mse", kNew + "--loss mse --label-smoothing 0.1", "cross_entropy", {}},
      {"skip-nonfinite negative", kNew + "--skip-nonfinite -1", "--skip-nonfinite", {}},
      {"accumulate-steps 0", kNew + "--accumulate-steps 0", "--accumulate-steps", {}},
      {"ema 1.5", kNew + "--ema 1.5", "--ema must be a decay in [0, 1)", {}},
      {"ema negative", kNew + "--ema -0.1", "--ema", {}},
      {"swa-start beyond epochs", kNew + "--swa-start 3", "--swa-start must be an epoch from 1 to --epochs (1)", {}},
      {"swa-start 0", kNew + "--swa-start 0", "--swa-start", {}},
      {"ema and swa-start", kNew + "--ema 0.9 --swa-start 1", "use one", {}},
      {"label 1.5", "train --data {dir}/bad.csv --quiet --out {dir}/new", "line 13: label 1.5",
       file("bad.csv", csv_with_label(11, "1.5"))},
      {"label 1,000,000", "train --data {dir}/bad.csv --quiet --out {dir}/new", "label 1000000 implies 1000001 classes",
       file("bad.csv", csv_with_label(11, "1000000"))},
      {"targets as classes", "train --data {dir}/bad.csv --task classification --quiet --out {dir}/new",
       "--task classification", file("bad.csv", "x,y\n1,0.5\n2,1.5\n3,2.5\n4,3.5\n5,4.5\n")},
      {"IDX folder missing files", "train --data {dir}/idx --quiet --out {dir}/new", "missing",
       [](const fs::path& dir) { fs::remove(dir / "idx" / "t10k-images-idx3-ubyte"); }},
      {"IDX wrong magic", "train --data {dir}/idx --dev-size 5 --quiet --out {dir}/new", "magic",
       file("idx/t10k-labels-idx1-ubyte", idx_header(0x802, {10}) + std::string(10, '\1'))},
      {"IDX truncated", "train --data {dir}/idx --dev-size 5 --quiet --out {dir}/new", "truncated",
       cut("idx/t10k-labels-idx1-ubyte", 11)},
      {"IDX counts differ", "train --data {dir}/idx --dev-size 5 --quiet --out {dir}/new", "labels",
       file("idx/t10k-labels-idx1-ubyte", idx_header(0x801, {4}) + std::string(4, '\1'))},
      {"IDX label 200", "train --data {dir}/idx --dev-size 5 --quiet --out {dir}/new", "label 200",
       file("idx/t10k-labels-idx1-ubyte", idx_header(0x801, {10}) + std::string(9, '\1') + "\xc8")},
      {"IDX image sizes differ", "train --data {dir}/idx --dev-size 5 --quiet --out {dir}/new",
       "training images are [2, 2] but test images are [3, 3]",
       file("idx/t10k-images-idx3-ubyte", idx_header(0x803, {10, 3, 3}) + std::string(90, '\1'))},
      {"IDX corrupt gzip", "train --data {dir}/idx --dev-size 5 --quiet --out {dir}/new", "gzip",
       [](const fs::path& dir) {
         fs::remove(dir / "idx" / "t10k-labels-idx1-ubyte");
         write_bytes(dir / "idx" / "t10k-labels-idx1-ubyte.gz", std::string("\x1f\x8b\x08\x00garbage", 11));
       }},
      {"MNIST not installed",
       "train --data mnist --quiet --out {dir}/new",
       "DESCENT_DATA_DIR",
       {},
       "DESCENT_DATA_DIR={dir}/nowhere"},
      // saved weights
      {"eval without weights", "eval", "--weights", {}},
      {"eval of a missing file", "eval --weights {dir}/none.safetensors", "none.safetensors", {}},
      {"eval of a bad split", kEval + "--split validation", "--split", {}},
      {"eval batch size 0", kEval + "--batch-size 0", "--batch-size", {}},
      {"flipped weight byte", kEval, "is damaged", flip("run/best.safetensors", 2)},
      {"truncated weights", kEval, "truncated", cut("run/best.safetensors", 5)},
      {"weights cut in their data", kEval, "best.safetensors", cut("run/best.safetensors", 200)},
      {"huge header length", kEval, "header",
       file("run/best.safetensors", std::string("\xff\xff\xff\xff\0\0\0\0{}", 10))},
      {"header not JSON", kEval, "not valid JSON", file("run/best.safetensors", safetensors_bytes("{nope    ", ""))},
      {"unknown dtype", kEval, "dtype 'Q8'",
       file("run/best.safetensors",
            safetensors_bytes(R"({"w":{"dtype":"Q8","shape":[1],"data_offsets":[0,1]}})", "x"))},
      {"offsets beyond the data", kEval, "data_offsets",
       file("run/best.safetensors",
            safetensors_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}})", "1234"))},
      {"no descent_config", kEval, "descent_config",
       file("run/best.safetensors",
            safetensors_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", "1234"))},
      {"bad JSON in descent_config", kEval, "best.safetensors: the descent_config",
       file(
           "run/best.safetensors",
           safetensors_bytes(
               R"({"__metadata__":{"descent_config":"{\"data\":"},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
               "1234"))},
      {"weights that are a folder", "eval --weights {dir}/idx", "Is a directory", {}},
      {"a checkpoint as weights",
       "eval --weights {dir}/run/checkpoints/step-0000000004.safetensors",
       "is a training checkpoint",
       {}},
      // run folders and checkpoints
      {"train into a finished run", kTrain + "--out {dir}/run", "--overwrite", {}},
      {"compare into a finished run",
       "compare --optimizer sgd --data {dir}/small.csv --dev-size 20 --epochs 1 --quiet --out {dir}/run",
       "--overwrite",
       {}},
      {"overwrite a folder of other files", kTrain + "--overwrite --out {dir}/idx", "not one", {}},
      {"out is a file", kTrain + "--out {dir}/small.csv", "not a folder", {}},
      {"resume a missing folder", "train --resume {dir}/none", "does not exist", {}},
      {"resume without checkpoints", "train --resume {dir}/idx", "no checkpoint", {}},
      {"resume and overwrite", "train --resume {dir}/run --overwrite", "--overwrite", {}},
      {"resume with another batch size", "train --resume {dir}/run --batch-size 7", "conflicts", {}},
      {"resume with another param group",
       "train --resume {dir}/run --param-group '*.bias:weight_decay=0'",
       "--param-group conflicts with the stored configuration",
       {}},
      {"resume with fewer epochs", "train --resume {dir}/run --epochs 0", "conflicts", {}},
      {"extend a cosine run", "train --resume {dir}/run --epochs 3", "cosine", {}},
      {"resume a flipped checkpoint", "train --resume {dir}/run", "no loadable checkpoint",
       every_checkpoint([](const std::string& name) { return flip(name, 2); })},
      {"resume a truncated checkpoint", "train --resume {dir}/run", "no loadable checkpoint",
       every_checkpoint([](const std::string& name) { return cut(name, 100); })},
      {"resume another run's checkpoint", "train --resume {dir}/run", "belongs to another run",
       [](const fs::path& dir) {
         std::string config = read_file(dir / "run" / "config.json");
         config.replace(config.find("\"seed\": 0"), 9, "\"seed\": 5");
         write_bytes(dir / "run" / "config.json", config);
       }},
      {"resume with a damaged config.json", "train --resume {dir}/run", "config.json",
       file("run/config.json", "{\"epochs\": ")},
      // metrics.jsonl
      {"plot a folder without metrics", "plot {dir}/idx --out {dir}/p.svg", "metrics.jsonl", {}},
      {"plot damaged metrics", "plot {dir}/run --out {dir}/p.svg", "metrics.jsonl",
       file("run/metrics.jsonl", "{\"epoch\": 1, \n")},
      {"plot metrics without losses", "plot {dir}/run --out {dir}/p.svg", "train_loss",
       file("run/metrics.jsonl", "{\"epoch\": 1}\n")},
  };
  return table;
}

std::string substituted(std::string text, const fs::path& dir) {
  for (std::size_t at; (at = text.find("{dir}")) != std::string::npos;) text.replace(at, 5, dir.string());
  return text;
}

class BadInputs : public ::testing::Test {
 protected:
  // The good files every case starts from, made once.
  static void SetUpTestSuite() {
    good_ = fresh_dir("bad_inputs", "good");
    fs::create_directories(good_ / "idx");
    write_bytes(good_ / "small.csv", csv_text());
    std::vector<uint8_t> labels;
    for (int i = 0; i < 30; ++i) labels.push_back(static_cast<uint8_t>(i % 3));
    write_idx(good_ / "idx" / "train-images-idx3-ubyte", std::vector<int64_t>{30, 2, 2}, std::vector<uint8_t>(120, 9));
    write_idx(good_ / "idx" / "train-labels-idx1-ubyte", std::vector<int64_t>{30}, labels);
    write_idx(good_ / "idx" / "t10k-images-idx3-ubyte", std::vector<int64_t>{10, 2, 2}, std::vector<uint8_t>(40, 9));
    write_idx(good_ / "idx" / "t10k-labels-idx1-ubyte", std::vector<int64_t>{10},
              std::vector<uint8_t>(labels.begin(), labels.begin() + 10));
    const CliRun run = run_cli(substituted(kTrain + "--batch-size 16 --out {dir}/run", good_));
    ASSERT_EQ(run.code, 0) << run.err;
  }

  static fs::path good_;
};

fs::path BadInputs::good_;

}  // namespace

TEST_F(BadInputs, EachIsOneLineAndExitCodeTwoAndChangesNoFile) {
  ASSERT_GE(cases().size(), 60u);
  ASSERT_TRUE(
      fs::exists(good_ / "run" / "checkpoints" / "step-0000000004.safetensors"));  // 60 training rows in batches of 16
  int index = 0;
  for (const BadInput& bad : cases()) {
    SCOPED_TRACE(bad.name);
    const fs::path dir = fresh_dir("bad_inputs", "case" + std::to_string(index++));
    fs::copy(good_, dir, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    if (bad.spoil) bad.spoil(dir);
    const auto before = folder_bytes(dir);
    const CliRun run = run_cli(substituted(bad.args, dir), dir, substituted(bad.env, dir));
    EXPECT_EQ(run.code, 2) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_NE(run.err.find(bad.names), std::string::npos) << "missing '" << bad.names << "' in: " << run.err;
    EXPECT_EQ(run.err.rfind("descent: error: ", 0), 0u) << run.err;
    for (const auto& [path, bytes] : before) EXPECT_EQ(read_file(path), bytes) << path << " changed";
    fs::remove_all(dir);
  }
}
