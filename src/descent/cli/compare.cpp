// `descent compare --optimizer SPEC --optimizer SPEC ... [train flags] --out DIR`: trains the same
// model from the same initialization on the same minibatches once per optimizer, then writes
// DIR/NAME/ run folders, DIR/table.md (also printed), DIR/epochs.svg and DIR/steps.svg.
#include <iostream>
#include <memory>

#include "descent/cli/command.hpp"
#include "descent/cli/train_flags.hpp"
#include "descent/train/compare.hpp"
#include "descent/train/distributed.hpp"
#include "descent/train/run.hpp"

namespace descent::cli {
namespace {

struct CompareFlags {
  TrainFlags train;
  std::vector<std::string> optimizers;
  std::string out;
  double smoothing = 0.9;
};

int run_compare(CompareFlags& f) {
  if (!(f.smoothing >= 0 && f.smoothing < 1))
    throw ValueError("--smoothing must be in [0, 1), got " + std::to_string(f.smoothing));
  TrainConfig& base = f.train.config;
  base.out = f.out;
  base.validate();  // before --overwrite deletes anything
  // Under mpirun the runs are data-parallel (run_training) and only rank 0 writes files.
  dist::Communicator& world = dist::Communicator::world();
  load_on_every_rank(
      [&] {
        if (world.is_root()) prepare_run_folder(f.out, f.train.overwrite);
        return true;
      },
      world);
  const Comparison comparison = compare_optimizers(base, f.optimizers, f.train.param_groups);
  if (!world.is_root()) return 0;
  for (const std::string& warning : write_comparison(comparison, f.out, f.smoothing))
    std::cerr << "descent: warning: " << warning << "\n";
  std::cout << "\n" << comparison_table(comparison);
  std::cout << "wrote " << f.out << "/{table.md,epochs.svg,steps.svg} and " << comparison.runs.size()
            << " run folders\n";
  return 0;
}

void add_flags(CLI::App& app, CompareFlags& f) {
  app.add_option("--optimizer", f.optimizers,
                 std::string(kOptimizerFlagHelp) + "; repeat for each optimizer to compare")
      ->required();
  app.add_option("--out", f.out, "DIR for one run folder per optimizer, table.md, epochs.svg and steps.svg")
      ->required();
  app.add_option("--smoothing", f.smoothing, "weight of the moving average smoothing the per-step loss curves")
      ->capture_default_str();
  add_train_flags(app, f.train);
}

const Command compare_command{"compare",
                              "Train the same model with several optimizers from the same start; table and plots",
                              setup_with<CompareFlags>(add_flags, run_compare)};

}  // namespace
}  // namespace descent::cli
