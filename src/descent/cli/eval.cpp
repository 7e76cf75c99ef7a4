// `descent eval --weights FILE [--data ...]`: evaluates saved weights on a data set's test
// part. The model's architecture comes from the weights file's metadata (written by train).
#include <iostream>
#include <memory>

#include "descent/cli/command.hpp"
#include "descent/cli/saved_weights.hpp"
#include "descent/core/threads.hpp"
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
  add_saved_weights_flags(app, f->weights, f->data);
  app.add_option("--split", f->split, "which part to evaluate: test, dev or train")->capture_default_str();
  app.add_option("--batch-size", f->batch_size, "evaluation batch size")->capture_default_str();
  app.add_option("--threads", f->threads, "threads (0: one per core)")->capture_default_str();
  return [f] {
    const SavedWeights saved = load_saved_weights(f->weights, f->data);
    const TrainConfig& config = saved.config;
    if (f->batch_size <= 0) throw ValueError("--batch-size must be positive, got " + std::to_string(f->batch_size));
    set_num_threads(f->threads);
    const DataSplits splits = load_splits(config);
    const Dataset& part = split_named(splits, f->split);
    auto model = build_model(config, part.item_shape, splits.train.num_outputs());
    model->load_state_dict(saved.file.tensors);
    const EvalResult result =
        evaluate(*model, part, make_loss(config.loss, splits.train, config.label_smoothing), f->batch_size);
    std::cout << f->split << "_loss " << result.loss;
    if (splits.train.is_classification()) std::cout << "  " << f->split << "_acc " << 100 * result.accuracy << "%";
    if (splits.train.is_multilabel())
      std::cout << "  " << f->split << "_exact " << 100 * result.accuracy << "%  " << f->split << "_label_acc "
                << 100 * result.label_accuracy << "%";
    std::cout << "  (" << result.examples << " examples of " << config.data << ")\n";
    return 0;
  };
}

const Command eval_command{"eval", "Evaluate saved weights on a data set", setup};

}  // namespace
}  // namespace descent::cli
