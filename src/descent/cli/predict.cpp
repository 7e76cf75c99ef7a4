// `descent predict --weights FILE [--data SET] [--split test] --out predictions.csv`: the saved
// model's answer for every example, one CSV row each in the data set's order (columns in
// train/predictions.hpp), written atomically or to stdout with `--out -`. Under mpirun rank 0
// alone predicts: a file is written once, and the rows stay in order.
#include <filesystem>
#include <iostream>
#include <memory>

#include "descent/cli/command.hpp"
#include "descent/cli/saved_weights.hpp"
#include "descent/data/class_names.hpp"
#include "descent/dist/communicator.hpp"
#include "descent/io/atomic_file.hpp"
#include "descent/train/predictions.hpp"

namespace descent::cli {
namespace {

struct PredictFlags {
  SavedWeightsFlags source{.split = "test"};
  std::string out;
  bool overwrite = false;
  int64_t batch_size = 1000;
};

int run_predict(const PredictFlags& f) {
  if (!dist::Communicator::world().is_root()) return 0;
  if (f.batch_size <= 0) throw ValueError("--batch-size must be positive, got " + std::to_string(f.batch_size));
  const bool to_stdout = f.out == "-";
  if (!to_stdout && std::filesystem::exists(f.out) && !f.overwrite)
    throw IOError("--out '" + f.out + "' already exists; pass --overwrite to replace it");
  const SavedModel saved = load_saved_model(f.source);
  const Dataset& part = saved.part();
  const std::vector<std::string> names = class_names(saved.config.data, saved.splits.train.num_classes);
  if (to_stdout) {
    write_predictions(*saved.model, part, names, f.batch_size, [](std::string_view text) { std::cout << text; });
    return 0;
  }
  AtomicFile file(f.out);  // a crash or an error leaves no half-written file
  write_predictions(*saved.model, part, names, f.batch_size, [&](std::string_view text) { file.write(text); });
  file.commit();
  std::cout << "wrote " << f.out << ": " << part.size() << " predictions for the " << f.source.split << " part of "
            << saved.config.data << "\n";
  return 0;
}

void add_flags(CLI::App& app, PredictFlags& f) {
  add_saved_weights_flags(app, f.source, "which part to predict: test, dev or train");
  app.add_option("--out,-o", f.out, "the CSV file to write, or - for stdout")->required();
  app.add_flag("--overwrite", f.overwrite, "replace an existing --out file");
  app.add_option("--batch-size", f.batch_size, "batch size")->capture_default_str();
}

const Command predict_command{"predict", "Write a saved model's predictions for every example as CSV",
                              setup_with<PredictFlags>(add_flags, run_predict)};

}  // namespace
}  // namespace descent::cli
