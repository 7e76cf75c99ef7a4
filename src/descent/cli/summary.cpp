// `descent summary --model SPEC --data SET`: the model's layers with their output shapes,
// parameters and multiply-adds per example, as Keras's model.summary() prints them.
#include <iostream>
#include <memory>

#include "descent/cli/command.hpp"
#include "descent/cli/train_flags.hpp"
#include "descent/nn/models.hpp"
#include "descent/nn/summary.hpp"
#include "descent/train/run.hpp"

namespace descent::cli {
namespace {

Run setup(CLI::App& app) {
  auto config = std::make_shared<TrainConfig>();
  app.add_option("--model", config->model, kModelFlagHelp)->capture_default_str();
  app.add_option("--data", config->data, "the data the model is for: its example shape and classes")
      ->capture_default_str();
  app.add_option("--activation", config->activation, "hidden activation: relu, leaky_relu, sigmoid, tanh, gelu")
      ->capture_default_str();
  app.add_option("--dropout", config->dropout, "dropout probability after each hidden fully connected activation")
      ->capture_default_str();
  app.add_flag("--batch-norm", config->batch_norm,
               "BatchNorm1d before each hidden activation (BatchNorm2d after each conv)");
  return [config] {
    check_model_spec(config->model);
    const TrainTest data = load_dataset(config->data);
    const int64_t num_classes = data.train.num_classes;
    auto model = build_model(*config, data.train.item_shape, num_classes);
    std::cout << "data " << config->data << ": examples " << data.train.item_shape.str() << ", "
              << (num_classes > 0 ? std::to_string(num_classes) + " classes" : std::string("regression")) << "\n"
              << summary_table(config->model, summarize(*model, data.train.item_shape));
    return 0;
  };
}

const Command summary_command{"summary", "Print a model's layers, output shapes, parameters and multiply-adds", setup};

}  // namespace
}  // namespace descent::cli
