// `descent eval --weights FILE [--data ...]`: evaluates saved weights on a data set's test
// part. The model's architecture comes from the weights file's metadata (written by train).
#include <iostream>
#include <memory>

#include "descent/cli/command.hpp"
#include "descent/cli/saved_weights.hpp"
#include "descent/core/threads.hpp"
#include "descent/train/distributed.hpp"
#include "descent/train/run.hpp"

namespace descent::cli {
namespace {

struct EvalFlags {
  SavedWeightsFlags source{.split = "test"};
  int64_t batch_size = 1000;
};

Run setup(CLI::App& app) {
  auto f = std::make_shared<EvalFlags>();
  add_saved_weights_flags(app, f->source, "which part to evaluate: test, dev or train");
  app.add_option("--batch-size", f->batch_size, "evaluation batch size")->capture_default_str();
  return [f] {
    const SavedWeights saved = load_saved_weights(f->source.weights, f->source.data);
    const TrainConfig& config = saved.config;
    if (f->batch_size <= 0) throw ValueError("--batch-size must be positive, got " + std::to_string(f->batch_size));
    set_num_threads(f->source.threads);
    const DataSplits splits = load_splits(config);
    const Dataset& part = split_named(splits, f->source.split);
    auto model = build_model(config, part.item_shape, splits.train.num_outputs());
    model->load_state_dict(saved.file.tensors);
    // Under mpirun each rank evaluates its share and the sums are added (only rank 0 prints).
    const EvalResult result =
        evaluate_distributed(*model, part, make_loss(config.loss, splits.train, config.label_smoothing), f->batch_size,
                             dist::Communicator::world());
    const std::string& split = f->source.split;
    std::cout << split << "_loss " << result.loss;
    if (splits.train.is_classification()) std::cout << "  " << split << "_acc " << 100 * result.accuracy << "%";
    if (splits.train.is_multilabel())
      std::cout << "  " << split << "_exact " << 100 * result.accuracy << "%  " << split << "_label_acc "
                << 100 * result.label_accuracy << "%";
    std::cout << "  (" << result.examples << " examples of " << config.data << ")\n";
    return 0;
  };
}

const Command eval_command{"eval", "Evaluate saved weights on a data set", setup};

}  // namespace
}  // namespace descent::cli
