// `descent train`: train a model on a dataset and report once per epoch.
// With no flags it is the main job: an MLP on MNIST with Adam.
#include <algorithm>
#include <array>
#include <csignal>
#include <ctime>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>

#include "descent/cli/command.hpp"
#include "descent/cli/train_flags.hpp"
#include "descent/tensor/node.hpp"
#include "descent/train/checkpoint.hpp"
#include "descent/train/distributed.hpp"
#include "descent/train/run.hpp"

namespace descent::cli {
namespace {

// Set by SIGINT/SIGTERM: training writes a checkpoint after the current step and returns.
volatile std::sig_atomic_t g_stop = 0;

void on_signal(int signum) { g_stop = signum; }

// The default run folder's DATE-TIME, rank 0's under mpirun (ranks may start a second apart).
std::string start_stamp(dist::Communicator& world) {
  std::array<char, 32> stamp{};
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp.data(), stamp.size(), "%Y%m%d-%H%M%S", std::localtime(&now));
  world.broadcast(std::as_writable_bytes(std::span(stamp)));
  return stamp.data();
}

struct SignalScope {
  SignalScope() {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~SignalScope() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  struct sigaction old_int_ {
  }, old_term_{};
};

int finish(const FitResult& r, const TrainConfig& c) {
  if (r.interrupted) {
    std::cerr << "descent: interrupted by " << (g_stop == SIGINT ? "SIGINT" : "SIGTERM") << "; checkpoint written to "
              << r.last_checkpoint << "\ncontinue with: descent train --resume " << c.out << "\n";
    return 128 + g_stop;
  }
  if (!c.quiet) std::cout << "wrote " << c.out << "/{config.json,metrics.jsonl,summary.json,best.safetensors}\n";
  if (r.diverged) {
    std::cerr << "descent: error: " << r.stop_reason << "\n";
    return 3;
  }
  return 0;
}

// --epochs N beyond a run's own extends it (Keras's initial_epoch), unless its schedule was
// fitted to the run's length (plain "cosine" anneals over exactly the epochs it had) or it
// stopped early (its next epoch is past its last: the epochs between would be skipped).
void extend_epochs(TrainConfig& stored, const TrainingState& state, int epochs, const std::string& run_dir) {
  const std::string cannot = "--epochs " + std::to_string(epochs) + " cannot extend " + run_dir;
  const std::string had = std::to_string(stored.epochs) + (stored.epochs == 1 ? " epoch" : " epochs");
  if (stored.schedule == "cosine")
    throw ValueError(cannot + ": its schedule 'cosine' anneals to 0 over exactly its " + had +
                     "; start a new run with --epochs " + std::to_string(epochs) + " instead");
  const auto progress = nlohmann::json::parse(state.progress);
  const auto epochs_run = progress.value("history", nlohmann::json::array()).size();
  if (progress.value("epoch", 0) > stored.epochs && epochs_run < static_cast<std::size_t>(stored.epochs))
    throw ValueError(cannot + ": it stopped early after " + std::to_string(epochs_run) + " of its " + had +
                     "; start a new run instead");
  stored.epochs = epochs;
}

// --resume: the stored configuration wins; a flag given with another value is refused, but for
// a larger --epochs, which extends the run.
int resume_run(CLI::App& app, const TrainFlags& given, const std::string& run_dir) {
  if (given.overwrite)
    throw ValueError("--resume continues the run in " + run_dir + " and --overwrite deletes it; pass one");
  std::vector<std::string> skipped;
  const TrainingState state = load_latest_checkpoint(run_dir, &skipped);
  for (const auto& s : skipped) std::cerr << "descent: " << s << "\n";
  RunSetup stored = run_setup_of(state);
  check_checkpoint_belongs(run_dir, stored);
  const nlohmann::json stored_json = stored.config, given_json = given.config;
  const int stored_epochs = stored.config.epochs;
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->count() == 0) continue;
    const std::string flag = opt->get_name();  // "--batch-size"
    if (flag == "--resume" || flag == "--quiet" || flag == "--help") continue;
    if (flag == "--epochs" && given.config.epochs > stored_epochs) {
      extend_epochs(stored.config, state, given.config.epochs, run_dir);
      continue;
    }
    if (flag == "--param-group") {
      if (given.param_groups != stored.param_groups)
        throw ValueError("--param-group conflicts with the stored configuration of " + run_dir +
                         "; --resume continues exactly as stored (drop the flag)");
      continue;
    }
    std::string field = flag.substr(2);
    std::replace(field.begin(), field.end(), '-', '_');
    if (flag == "--out") field = "out";
    if (stored_json.contains(field) && stored_json[field] != given_json[field])
      throw ValueError(flag + " " + given_json[field].dump() + " conflicts with the stored configuration of " +
                       run_dir + " (" + field + " = " + stored_json[field].dump() +
                       "); --resume continues exactly as stored (drop the flag)");
  }
  stored.config.out = run_dir;  // the folder may have moved
  if (given.config.quiet) stored.config.quiet = true;
  if (stored.config.epochs != stored_epochs) write_run_config(stored.config, stored.param_groups);
  if (!stored.config.quiet) {
    const auto progress = nlohmann::json::parse(state.progress);
    std::cout << "resuming " << run_dir << " at epoch " << progress.value("epoch", 0) << ", step "
              << progress.value("step", 0) << " of that epoch\n";
  }
  SignalScope signals;
  return finish(run_training(stored.config, stored.param_groups, &state, &g_stop), stored.config);
}

Run setup(CLI::App& app) {
  auto f = std::make_shared<TrainFlags>();
  add_train_flags(app, *f);
  app.add_option("--optimizer", f->config.optimizer, kOptimizerFlagHelp)->capture_default_str();
  app.add_option("--out", f->config.out,
                 "RUN_DIR for config.json, metrics.jsonl, summary.json, best.safetensors "
                 "(default: runs/train-DATE-TIME)");
  app.add_option("--checkpoint-every", f->config.checkpoint_every,
                 "also write a checkpoint every N optimizer steps (one is written at every epoch end)")
      ->capture_default_str();
  app.add_option("--keep-checkpoints", f->config.keep_checkpoints, "keep the newest K checkpoints")
      ->capture_default_str();
  auto resume = std::make_shared<std::string>();
  app.add_option("--resume", *resume,
                 "continue the run in RUN_DIR from its newest checkpoint, with exactly its stored configuration");
  auto detect_anomaly = std::make_shared<bool>(false);
  app.add_flag("--detect-anomaly", *detect_anomaly,
               "stop at the first op whose forward or backward produces a NaN or an infinity, naming the op and "
               "its shapes (as torch.autograd.detect_anomaly; a check per op)");
  return [f, resume, detect_anomaly, &app] {
    set_detect_anomaly(*detect_anomaly);
    if (!resume->empty()) return resume_run(app, *f, *resume);
    TrainConfig& c = f->config;
    dist::Communicator& world = dist::Communicator::world();
    if (c.out.empty()) c.out = std::string("runs/train-") + start_stamp(world);
    c.validate();  // before --overwrite deletes anything
    check_schedule(c);
    // Under mpirun only rank 0 writes files; an error there stops every rank.
    load_on_every_rank(
        [&] {
          if (world.is_root()) prepare_run_folder(c.out, f->overwrite);
          return true;
        },
        world);
    SignalScope signals;
    return finish(run_training(c, f->param_groups, nullptr, &g_stop), c);
  };
}

const Command train_command{"train", "Train a model on a dataset and report per epoch (the main job: descent train)",
                            setup};

}  // namespace
}  // namespace descent::cli
