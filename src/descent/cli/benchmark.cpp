// `descent benchmark --problem NAME --optimizer SPEC ... --out DIR`: the DeepOBS protocol (a
// learning-rate sweep, then the best rate with several seeds) over problems and optimizers, in
// worker processes; writes DIR/benchmark.json, results.jsonl, report.md and SVG figures, and
// prints the tables. `--resume DIR` continues a killed benchmark.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>

#include "descent/cli/command.hpp"
#include "descent/core/error.hpp"
#include "descent/train/benchmark.hpp"
#include "descent/train/benchmark_report.hpp"

namespace descent::cli {
namespace {

struct BenchmarkFlags {
  BenchmarkConfig config;
  std::string out, resume;
  int jobs = 1;
  bool quiet = false;
  CLI::App* app = nullptr;
};

// --resume: the folder's benchmark.json wins; a flag given with another value is refused.
BenchmarkConfig stored_config(const BenchmarkFlags& f) {
  const std::filesystem::path path = std::filesystem::path(f.resume) / "benchmark.json";
  if (!std::filesystem::exists(path))
    throw IOError("--resume " + f.resume + ": no benchmark.json there (is it a benchmark's --out folder?)");
  BenchmarkConfig stored;
  try {
    std::ifstream in(path);
    stored = nlohmann::json::parse(in).get<BenchmarkConfig>();
  } catch (const nlohmann::json::exception&) {
    throw IOError("'" + path.string() + "' is not a benchmark configuration");
  }
  const nlohmann::json given = f.config, kept = stored;
  for (const CLI::Option* option : f.app->get_options()) {
    if (option->count() == 0) continue;
    std::string field = option->get_name().substr(2);
    std::replace(field.begin(), field.end(), '-', '_');
    if (field == "problem" || field == "optimizer") field += "s";
    if (kept.contains(field) && kept[field] != given[field])
      throw ValueError(option->get_name() + " " + given[field].dump() + " conflicts with the benchmark in " + f.resume +
                       " (" + field + " = " + kept[field].dump() + "); --resume continues it as it was started");
  }
  return stored;
}

int run(BenchmarkFlags& f) {
  if (!f.resume.empty() && !f.out.empty() && f.out != f.resume)
    throw ValueError("--resume " + f.resume + " continues that folder; drop --out " + f.out);
  const std::string dir = f.resume.empty() ? f.out : f.resume;
  if (dir.empty()) throw ValueError("benchmark: --out DIR is required (results.jsonl, report.md and figures go there)");
  if (f.jobs < 1) throw ValueError("--jobs must be >= 1, got " + std::to_string(f.jobs));
  const BenchmarkConfig config = f.resume.empty() ? f.config : stored_config(f);
  validate(config);
  std::error_code ec;
  if (f.resume.empty() && std::filesystem::exists(dir, ec) && !std::filesystem::is_empty(dir, ec))
    throw IOError("--out '" + dir + "' already holds files; continue its benchmark with --resume " + dir +
                  ", or choose another folder");
  const std::size_t grid = parse_lr_grid(config.lr_grid).size();
  const std::size_t total =
      config.problems.size() * config.optimizers.size() * (grid + static_cast<std::size_t>(config.seeds - 1));
  std::size_t done = 0;
  const auto results = run_benchmark(config, dir, f.jobs, [&](const std::string& key) {
    if (!f.quiet) std::cout << "[" << ++done << "] " << key << std::endl;
  });
  for (const std::string& warning : write_benchmark_report(config, results, dir))
    std::cerr << "descent: warning: " << warning << "\n";
  std::cout << "\n" << benchmark_tables(config, results);
  std::cout << "wrote " << dir << "/{benchmark.json,results.jsonl,report.md} and figures (" << results.size() << " of "
            << total << " runs)\n";
  return 0;
}

void add_flags(CLI::App& app, BenchmarkFlags& f) {
  f.app = &app;
  BenchmarkConfig& c = f.config;
  app.add_option("--problem", c.problems,
                 "a DeepOBS problem: quadratic_deep, mnist_logreg, mnist_mlp, fmnist_mlp, fmnist_2c2d, cifar10_3c3d, "
                 "fmnist_resnet20 (not DeepOBS's), two_d_rosenbrock, two_d_beale, two_d_branin (repeatable; see "
                 "docs/benchmark.md)");
  app.add_option("--optimizer", c.optimizers,
                 "an optimizer spec without lr, e.g. adam or sgd:momentum=0.9 (repeatable; see `descent optimizers`)");
  app.add_option("--lr-grid", c.lr_grid,
                 "learning rates to sweep: FROM:TO:COUNT, log-spaced with both ends (DeepOBS: 1e-5:1e2:36), or a "
                 "comma list")
      ->capture_default_str();
  app.add_option("--seeds", c.seeds, "the best learning rate is run with seeds 0 .. N-1 (the sweep uses seed 0)")
      ->capture_default_str();
  app.add_option("--epochs", c.epochs, "epochs per run (0: each problem's DeepOBS setting)")->capture_default_str();
  app.add_option("--subset", c.subset, "train on the first N training examples only (0: all)")->capture_default_str();
  app.add_option("--target", c.target,
                 "METRIC=VALUE: report the steps and seconds each run takes to reach it (AlgoPerf's time to target), "
                 "e.g. dev_acc=0.92 or dev_loss=0.3; METRIC is train_loss, train_acc, dev_loss or dev_acc");
  app.add_option("--threads", c.threads, "threads per run (results depend on it, not on --jobs)")
      ->capture_default_str();
  app.add_option("--jobs", f.jobs, "runs at a time, each in a process of its own")->capture_default_str();
  app.add_option("--out", f.out, "DIR for benchmark.json, results.jsonl, report.md and the figures (must be new)");
  app.add_option("--resume", f.resume, "continue the benchmark in DIR where it stopped");
  app.add_flag("--quiet", f.quiet, "no line per finished run");
}

const Command benchmark_command{"benchmark",
                                "DeepOBS-style benchmark: lr sweeps, seeds, time to target, report and profiles",
                                setup_with<BenchmarkFlags>(add_flags, run)};

}  // namespace
}  // namespace descent::cli
