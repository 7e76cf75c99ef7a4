// `descent eval --weights FILE [--data ...]`: evaluates saved weights on a data set's test
// part. The model's architecture comes from the weights file's metadata (written by train).
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "descent/cli/command.hpp"
#include "descent/core/threads.hpp"
#include "descent/io/safetensors.hpp"
#include "descent/train/run.hpp"

namespace descent::cli {
namespace {

struct EvalFlags {
  std::string weights;
  std::string data;
  std::string split = "test";
  int64_t batch_size = 1000;
  int threads = 0;
};

Run setup(CLI::App& app) {
  auto f = std::make_shared<EvalFlags>();
  app.add_option("--weights", f->weights, "a .safetensors file written by descent train (RUN_DIR/best.safetensors)")
      ->required();
  app.add_option("--data", f->data, "mnist, fashion-mnist or a PATH (default: the data the weights were trained on)");
  app.add_option("--split", f->split, "which part to evaluate: test, dev or train")->capture_default_str();
  app.add_option("--batch-size", f->batch_size, "evaluation batch size")->capture_default_str();
  app.add_option("--threads", f->threads, "threads (0: one per core)")->capture_default_str();
  return [f] {
    const SafetensorsFile file = load_safetensors(f->weights);
    const auto it = file.metadata.find("descent_config");
    if (it == file.metadata.end())
      throw IOError(f->weights + ": no descent_config in the safetensors metadata; was it written by descent train?");
    TrainConfig config = nlohmann::json::parse(it->second).get<TrainConfig>();
    if (!f->data.empty()) config.data = f->data;
    config.random_labels = 0;  // evaluate on the true labels
    if (f->batch_size <= 0) throw ValueError("--batch-size must be positive, got " + std::to_string(f->batch_size));
    set_num_threads(f->threads);
    const DataSplits splits = load_splits(config);
    const Dataset* part = f->split == "test" ? &splits.test : f->split == "dev" ? &splits.dev
                        : f->split == "train" ? &splits.train : nullptr;
    if (!part) throw ValueError("--split must be test, dev or train, got '" + f->split + "'");
    auto model = build_model(config, part->item_shape, splits.train.num_classes);
    model->load_state_dict(file.tensors);
    const EvalResult r = evaluate(*model, *part, make_loss(config.loss, splits.train.num_classes), f->batch_size);
    std::cout << f->split << "_loss " << r.loss;
    if (splits.train.is_classification()) std::cout << "  " << f->split << "_acc " << 100 * r.accuracy << "%";
    std::cout << "  (" << r.examples << " examples of " << config.data << ")\n";
    return 0;
  };
}

const Command eval_command{"eval", "Evaluate saved weights on a data set", setup};

}  // namespace
}  // namespace descent::cli
