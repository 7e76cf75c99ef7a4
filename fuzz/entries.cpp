// Entry functions shared by the libFuzzer harnesses and the corpus replay test (entries.hpp).
#include "entries.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "descent/core/error.hpp"
#include "descent/data/cifar.hpp"
#include "descent/data/csv.hpp"
#include "descent/data/idx.hpp"
#include "descent/io/safetensors.hpp"
#include "descent/nn/mlp.hpp"
#include "descent/nn/models.hpp"
#include "descent/ops/ops.hpp"
#include "descent/optim/factory.hpp"
#include "descent/schedule/spec.hpp"
#include "descent/spec/spec.hpp"
#include "descent/train/checkpoint.hpp"
#include "descent/viz/metrics_reader.hpp"

namespace descent::fuzz {

namespace {

// Spec strings longer than this say nothing a shorter one cannot.
constexpr std::size_t kMaxSpecBytes = 4096;

// The bytes in a scratch file of this process, as the readers take a path.
std::filesystem::path scratch_file(Bytes bytes) {
  static const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("descent-fuzz-" + std::to_string(getpid()));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}

std::string text_of(Bytes bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), std::min(bytes.size(), kMaxSpecBytes)};
}

// Runs `parse`, accepting a descent::Error as the parser's refusal.
template <class F>
void refusing_errors(F parse) {
  try {
    parse();
  } catch (const Error&) {
  }
}

// A parameter with a gradient, for the optimizer and schedule factories: loss = sum(p * p).
Tensor parameter() { return Tensor::from_data({0.5, -1.0, 2.0}, {3}).requires_grad_(); }

double loss_and_grad(Tensor& param) {
  param.zero_grad();
  Tensor loss = sum(mul(param, param));
  loss.backward();
  return loss.item();
}

}  // namespace

void idx(Bytes bytes) {
  refusing_errors([&] { read_idx(scratch_file(bytes)); });
}

void csv(Bytes bytes) {
  if (bytes.empty()) return;
  // First byte: header mode (3), delimiter (2), label index -3..3 (7).
  const uint8_t choice = bytes[0];
  CsvOptions options;
  options.header = static_cast<CsvHeader>(choice % 3);
  options.delimiter = (choice / 3) % 2 ? ';' : ',';
  options.label_index = static_cast<int64_t>((choice / 6) % 7) - 3;
  refusing_errors([&] { read_csv(scratch_file(bytes.subspan(1)), options); });
}

void safetensors(Bytes bytes) {
  refusing_errors([&] { load_safetensors(scratch_file(bytes)); });
}

void checkpoint(Bytes bytes) {
  refusing_errors([&] { load_checkpoint(scratch_file(bytes)); });
}

void metrics(Bytes bytes) {
  refusing_errors([&] { viz::read_metrics(scratch_file(bytes)); });
}

void spec(Bytes bytes) {
  refusing_errors([&] { spec::parse(text_of(bytes), "fuzzed"); });
}

void optimizer(Bytes bytes) {
  refusing_errors([&] {
    Tensor param = parameter();
    auto optimizer = optim::make_optimizer(text_of(bytes), std::vector<Tensor>{param});
    for (int step = 0; step < 2; ++step) {
      loss_and_grad(param);
      optimizer->step([&] { return loss_and_grad(param); });
    }
  });
}

void schedule(Bytes bytes) {
  refusing_errors([&] {
    Tensor param = parameter();
    auto optimizer = optim::make_optimizer("sgd:lr=0.1,momentum=0.9", std::vector<Tensor>{param});
    auto scheduler = make_scheduler(text_of(bytes), *optimizer);
    for (int epoch = 0; epoch < 3; ++epoch) {
      if (scheduler->needs_metric())
        scheduler->step(1.0 / (epoch + 1));
      else
        scheduler->step();
    }
  });
}

void model(Bytes bytes) {
  const std::string text = text_of(bytes);
  const std::size_t first = text.find('\n');
  const std::size_t second = first == std::string::npos ? first : text.find('\n', first + 1);
  MlpOptions options;
  if (first != std::string::npos) options.init = text.substr(first + 1, second - first - 1);
  if (second != std::string::npos) options.activation = text.substr(second + 1);
  const std::string model_spec = text.substr(0, first);
  refusing_errors([&] {
    // Width and depth cost memory, not coverage: a spec asking for more is parsed, not built.
    for (int64_t width : parse_model_spec(model_spec))
      if (width > 64) return;
    if (parse_model_spec(model_spec).size() > 8) return;
    auto mlp = make_mlp(model_spec, 3, 2, options);
    mlp->forward(Tensor::ones({2, 3}));
  });
}

// True when every number written in `text` is at most `limit`: channels, kernels and depths
// beyond it cost memory and time, not coverage.
bool numbers_at_most(const std::string& text, int64_t limit) {
  int64_t number = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      number = 0;
      continue;
    }
    number = number * 10 + (c - '0');
    if (number > limit) return false;
  }
  return true;
}

void conv_model(Bytes bytes) {
  if (bytes.empty()) return;
  const int64_t channels = 1 + bytes[0] % 3, side = 1 + (bytes[0] >> 2) % 16;
  const std::string model_spec = text_of(bytes.subspan(1));
  refusing_errors([&] {
    check_model_spec(model_spec);
    if (!numbers_at_most(model_spec, 64)) return;
    auto net = make_model(model_spec, Shape{channels, side, side}, 3);
    if (net->num_parameters() <= 100000) net->forward(Tensor::ones({2, channels, side, side}));
  });
}

void cifar(Bytes bytes) {
  refusing_errors([&] { read_cifar10_batches({scratch_file(bytes)}); });
}

const std::vector<Entry>& entries() {
  static const std::vector<Entry> all = {
      {"idx", idx},
      {"csv", csv},
      {"safetensors", safetensors},
      {"checkpoint", checkpoint},
      {"metrics", metrics},
      {"spec", spec},
      {"optimizer", optimizer},
      {"schedule", schedule},
      {"model", model},
      {"conv_model", conv_model},
      {"cifar", cifar},
  };
  return all;
}

}  // namespace descent::fuzz
