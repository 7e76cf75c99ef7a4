// descent plot RUN_DIR... --out plot.svg: training loss and dev accuracy per epoch of one or
// more runs, read from each RUN_DIR/metrics.jsonl, as one SVG with two panels.
#include <filesystem>
#include <iostream>
#include <memory>

#include "descent/cli/command.hpp"
#include "descent/io/atomic_file.hpp"
#include "descent/viz/run_plot.hpp"

namespace descent::cli {
namespace {

struct PlotFlags {
  std::vector<std::string> run_dirs;
  std::string out;
  std::string title;
  bool log_loss = false;
  bool train_acc = false;
  double width = 960, height = 420;
};

int run_plot(const PlotFlags& flags) {
  std::vector<std::filesystem::path> dirs(flags.run_dirs.begin(), flags.run_dirs.end());
  std::vector<viz::RunLog> runs = viz::read_runs(dirs);
  viz::Rendered plot = viz::plot_runs(runs, {flags.title, flags.log_loss ? viz::Scale::log : viz::Scale::linear,
                                             flags.width, flags.height, flags.train_acc});
  for (const std::string& warning : plot.warnings) std::cerr << "descent: warning: " << warning << "\n";
  write_file_atomic(flags.out, plot.svg);
  std::cout << "wrote " << flags.out << " (" << runs.size() << (runs.size() == 1 ? " run" : " runs") << ")\n";
  return 0;
}

void add_flags(CLI::App& app, PlotFlags& flags) {
  app.add_option("run_dirs", flags.run_dirs, "Run directories holding metrics.jsonl")->required();
  app.add_option("--out,-o", flags.out, "Output SVG file")->required();
  app.add_option("--title", flags.title, "Title over both panels");
  app.add_flag("--log-loss", flags.log_loss, "Training loss on a log scale");
  app.add_flag("--train-acc", flags.train_acc, "Also draw training accuracy (dashed) beside dev accuracy");
  app.add_option("--width", flags.width, "Width in pixels")->capture_default_str()->check(CLI::Range(400.0, 4000.0));
  app.add_option("--height", flags.height, "Height in pixels")->capture_default_str()->check(CLI::Range(200.0, 3000.0));
}

const Command plot_command{"plot", "Draw training loss and dev accuracy per epoch from runs' metrics.jsonl as SVG",
                           setup_with<PlotFlags>(add_flags, run_plot)};

}  // namespace
}  // namespace descent::cli
