// From a TrainConfig to a trained model and a run folder.
#include "descent/train/run.hpp"

#include <fnmatch.h>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "descent/core/threads.hpp"
#include "descent/io/atomic_file.hpp"
#include "descent/io/safetensors.hpp"
#include "descent/nn/models.hpp"
#include "descent/nn/summary.hpp"
#include "descent/optim/factory.hpp"
#include "descent/optim/muon.hpp"
#include "descent/schedule/driver.hpp"
#include "descent/schedule/spec.hpp"
#include "descent/train/checkpoint.hpp"
#include "descent/train/distributed.hpp"

namespace descent {

DataSplits load_splits(const TrainConfig& config) {
  CsvOptions csv;
  csv.label_columns = config.label_columns;
  if (!config.label_column.empty() && !config.label_columns.empty())
    throw ValueError("--label-column names one label column and --label-columns several; pass one of them");
  if (!config.label_column.empty()) {
    const bool numeric = config.label_column.find_first_not_of("-0123456789") == std::string::npos;
    if (numeric)
      csv.label_index = std::stoll(config.label_column);
    else
      csv.label_column = config.label_column;
  }
  const TrainTest data = load_dataset(config.data, csv, parse_task(config.task));
  if (config.dev_size >= data.train.size())
    throw ValueError("--dev-size " + std::to_string(config.dev_size) +
                     " leaves no training data (the training set has " + std::to_string(data.train.size()) +
                     " examples)");
  DataSplits splits = make_splits(data, config.dev_size, parse_scaling(config.scaling));
  if (config.random_labels > 0) {
    Generator gen(config.seed ^ 0x9abe15ULL);
    randomize_labels(splits.train, config.random_labels, gen);
  }
  if (config.value_dtype() != DType::f32)
    for (Dataset* part : {&splits.train, &splits.dev, &splits.test}) {
      part->x = part->x.to(config.value_dtype());
      if (!part->is_classification()) part->y = part->y.to(config.value_dtype());  // class labels stay int64
      part->pixels = {};
    }
  return splits;
}

std::shared_ptr<Sequential> build_model(const TrainConfig& config, const Shape& item_shape, int64_t num_outputs,
                                        Generator* gen) {
  return make_model(config.model, item_shape, num_outputs > 0 ? num_outputs : 1, config.mlp_options(), gen);
}

void load_initial_weights(Module& model, const std::string& path) {
  const SafetensorsFile file = load_safetensors(path);
  try {
    model.load_state_dict(file.tensors);
  } catch (const ShapeError& error) {
    throw ShapeError("--init-from " + path + ": " + error.what());
  }
}

std::vector<optim::ParamGroup> make_param_groups(const NamedTensors& params, const std::vector<std::string>& specs) {
  std::vector<optim::ParamGroup> groups(1);
  struct Pattern {
    std::string glob;
    optim::Options options;
  };
  std::vector<Pattern> patterns;
  for (const std::string& spec : specs) {
    const auto colon = spec.find(':');
    if (colon == std::string::npos || colon == 0)
      throw ValueError("--param-group '" + spec + "': expected PATTERN:key=value,... (e.g. '*.bias:weight_decay=0')");
    // The options part is parsed as an optimizer spec's, so values and keys follow the same rules.
    const optim::OptimizerSpec parsed = optim::parse_optimizer_spec("group:" + spec.substr(colon + 1));
    patterns.push_back({spec.substr(0, colon), parsed.options});
    groups.push_back({.params = {}, .names = {}, .options = parsed.options});
  }
  for (const auto& [name, t] : params) {
    std::size_t target = 0;
    for (std::size_t i = 0; i < patterns.size(); ++i)
      if (fnmatch(patterns[i].glob.c_str(), name.c_str(), 0) == 0) {
        target = i + 1;
        break;
      }
    groups[target].params.push_back(t);
    groups[target].names.push_back(name);
  }
  for (std::size_t i = 1; i < groups.size(); ++i)
    if (groups[i].params.empty())
      throw ValueError("--param-group pattern '" + patterns[i - 1].glob + "' matches no parameter");
  if (groups[0].params.empty()) groups.erase(groups.begin());
  return groups;
}

void randomize_labels(Dataset& data, double fraction, Generator& gen) {
  if (!data.is_classification()) throw ValueError("--random-labels needs a classification data set");
  const int64_t n = data.size();
  const auto count = static_cast<int64_t>(std::llround(fraction * static_cast<double>(n)));
  Tensor y = data.y.clone();
  const std::vector<int64_t> order = gen.permutation(n);
  int64_t* p = y.data<int64_t>();
  for (int64_t i = 0; i < count; ++i)
    p[order[static_cast<std::size_t>(i)]] = static_cast<int64_t>(gen.randint(static_cast<uint64_t>(data.num_classes)));
  data.y = y;
}

RunSetup run_setup_of(const TrainingState& state) {
  RunSetup setup;
  try {
    const nlohmann::json config = nlohmann::json::parse(state.config);
    setup.config = config.at("train").get<TrainConfig>();
    setup.param_groups = config.at("param_groups").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw IOError(std::string("checkpoint: malformed run configuration: ") + e.what());
  }
  return setup;
}

namespace {

// The files and folders a run (config.json ... checkpoints/) or a comparison (table.md, plots,
// one run folder per optimizer) writes at the top of its folder, and the temporary that an
// atomic write of one of them leaves when the run is killed mid-write (".NAME.tmp-PID-N",
// io/atomic_file.cpp).
bool is_run_file(const std::filesystem::directory_entry& entry) {
  static const std::set<std::string> kRunFiles = {"config.json", "metrics.jsonl", "summary.json", "best.safetensors",
                                                  "checkpoints", "table.md",      "epochs.svg",   "steps.svg"};
  const std::string name = entry.path().filename().string();
  if (kRunFiles.contains(name)) return true;
  const std::size_t temp = name.find(".tmp-");
  if (name.starts_with('.') && temp != std::string::npos && kRunFiles.contains(name.substr(1, temp - 1))) return true;
  return entry.is_directory() && std::filesystem::exists(entry.path() / "config.json");
}

nlohmann::json comparable_config(TrainConfig config) {
  nlohmann::json j = config;
  j.erase("out");
  j.erase("quiet");
  return j;
}

}  // namespace

void prepare_run_folder(const std::filesystem::path& run_dir, bool overwrite) {
  std::error_code ec;
  if (!std::filesystem::exists(run_dir, ec)) return;
  if (!std::filesystem::is_directory(run_dir, ec))
    throw IOError("--out '" + run_dir.string() + "' exists and is not a folder");
  if (std::filesystem::is_empty(run_dir, ec)) return;
  if (!overwrite)
    throw IOError("--out '" + run_dir.string() + "' already holds files; pass --overwrite to start clean, " +
                  "descent train --resume " + run_dir.string() + " to continue its run, or another folder");
  std::vector<std::filesystem::path> old_files;
  for (const auto& entry : std::filesystem::directory_iterator(run_dir)) {
    if (!is_run_file(entry))
      throw IOError("--overwrite deletes only a run's files, and '" + entry.path().string() +
                    "' is not one; choose another --out folder");
    old_files.push_back(entry.path());
  }
  for (const auto& path : old_files) std::filesystem::remove_all(path);
}

void write_run_config(const TrainConfig& config, const std::vector<std::string>& param_groups) {
  std::filesystem::create_directories(config.out);
  nlohmann::json j = config;
  j["param_groups"] = param_groups;
  write_file_atomic(std::filesystem::path(config.out) / "config.json", j.dump(2) + "\n");
}

void check_checkpoint_belongs(const std::filesystem::path& run_dir, const RunSetup& setup) {
  const std::filesystem::path path = run_dir / "config.json";
  if (!std::filesystem::exists(path)) return;
  RunSetup folder;
  try {
    std::ifstream in(path);
    const nlohmann::json j = nlohmann::json::parse(in);
    folder.config = j.get<TrainConfig>();
    folder.param_groups = j.value("param_groups", std::vector<std::string>{});
  } catch (const nlohmann::json::exception&) {
    throw IOError("'" + path.string() + "' is not a valid run configuration (JSON with descent train's keys)");
  }
  const nlohmann::json ours = comparable_config(folder.config), theirs = comparable_config(setup.config);
  std::string differing;
  for (const auto& [key, value] : ours.items())
    if (theirs.value(key, nlohmann::json()) != value) differing += (differing.empty() ? "" : ", ") + key;
  if (folder.param_groups != setup.param_groups)
    differing += (differing.empty() ? "" : ", ") + std::string("param_groups");
  if (!differing.empty())
    throw IOError("the newest checkpoint in '" + run_dir.string() + "' belongs to another run than its config.json (" +
                  differing + " differ); it cannot continue this run");
}

TrainingState load_latest_checkpoint(const std::filesystem::path& run_dir, std::vector<std::string>* skipped) {
  if (!std::filesystem::is_directory(run_dir)) throw IOError("run folder '" + run_dir.string() + "' does not exist");
  const auto files = list_checkpoints(run_dir);
  if (files.empty())
    throw IOError("no checkpoint in '" + checkpoint_dir(run_dir).string() + "' (runs write one at every epoch end)");
  std::string reasons;
  for (const auto& f : files) {
    try {
      return load_checkpoint(f);
    } catch (const IOError& e) {
      if (skipped) skipped->push_back(std::string("skipping ") + e.what());
      reasons += std::string(reasons.empty() ? " " : "; ") + e.what();  // one line
    }
  }
  throw IOError("no loadable checkpoint in '" + checkpoint_dir(run_dir).string() + "':" + reasons);
}

std::unique_ptr<ScheduleDriver> make_schedule(const TrainConfig& config, optim::Optimizer& optimizer,
                                              int64_t steps_per_epoch) {
  if (config.schedule.empty() || config.schedule == "constant") return nullptr;
  const StepEvery every = parse_step_every(config.schedule_per);
  std::string spec = config.schedule;
  if (spec == "cosine") {
    // Plain "cosine" anneals over the whole run: T_max is the number of scheduler steps.
    const int64_t steps = every == StepEvery::batch ? steps_per_epoch * config.epochs : config.epochs;
    spec += ":T_max=" + std::to_string(std::max<int64_t>(1, steps));
  }
  return std::make_unique<ScheduleDriver>(spec, optimizer, every);
}

void check_schedule(const TrainConfig& config) {
  Tensor stand_in = Tensor::zeros(Shape{1});
  stand_in.requires_grad_();
  const auto optimizer = optim::make_optimizer("sgd:lr=1", std::vector<Tensor>{stand_in});
  make_schedule(config, *optimizer, 1);
}

namespace {

std::string task_text(const Dataset& train) {
  if (train.is_multilabel()) return "task multilabel (" + std::to_string(train.num_labels) + " labels)";
  return train.is_classification() ? "task classification (" + std::to_string(train.num_classes) + " classes)"
                                   : std::string("task regression");
}

// The configuration best.safetensors keeps, with a data file's path made absolute so that
// `descent eval` finds the data from any folder.
TrainConfig with_absolute_data(TrainConfig config) {
  std::error_code ec;
  if (std::filesystem::exists(config.data, ec)) config.data = std::filesystem::absolute(config.data, ec).string();
  return config;
}

// The regression run's last line: the selected epoch's dev loss, and the test set's RMSE and
// MAE (the loss may be another; these two read in the targets' units). `model` holds the best
// parameters.
void report_regression(Module& model, const Dataset& test, const FitResult& result, int64_t batch_size) {
  const double mse = evaluate(model, test, make_loss("mse", 0), batch_size).loss;
  const double mae = evaluate(model, test, make_loss("l1", 0), batch_size).loss;
  char line[200];
  std::snprintf(line, sizeof line, "best dev_loss %.6g at epoch %d; test_loss %.6g  test_rmse %.6g  test_mae %.6g",
                result.best_dev_loss, result.best_epoch, result.test_loss, std::sqrt(mse), mae);
  std::cout << line << std::endl;
}

}  // namespace

FitResult run_training(const TrainConfig& config, const std::vector<std::string>& param_group_specs,
                       const TrainingState* resume, const volatile std::sig_atomic_t* stop) {
  config.validate();
  check_schedule(config);
  set_num_threads(config.threads);
  manual_seed(config.seed);  // dropout draws from the default generator
  dist::Communicator& world = dist::Communicator::world();
  const DataSplits splits = load_on_every_rank([&] { return load_splits(config); }, world);
  make_loss(config.loss, splits.train, config.label_smoothing);  // refuses a loss that does not fit the task
  Generator init_gen(config.seed);
  auto model = build_model(config, splits.train.item_shape, splits.train.num_outputs(), &init_gen);
  if (!config.init_from.empty() && !resume) load_initial_weights(*model, config.init_from);
  const ModelSummary summary = summarize(*model, splits.train.item_shape);
  auto optimizer =
      optim::make_optimizer(config.optimizer, make_param_groups(model->named_parameters(), param_group_specs));
  const int64_t batches_per_epoch =
      (splits.train.size() + (config.drop_last ? 0 : config.batch_size - 1)) / config.batch_size;
  const int64_t steps_per_epoch = (batches_per_epoch + config.accumulate_steps - 1) / config.accumulate_steps;
  const std::unique_ptr<ScheduleDriver> schedule = make_schedule(config, *optimizer, steps_per_epoch);
  const nlohmann::json run_config = {{"train", config}, {"param_groups", param_group_specs}};
  if (world.distributed())
    check_data_parallel(config.batch_size, splits.train.size(), config.drop_last, run_config.dump(), world);
  if (!config.out.empty() && !resume && world.is_root()) write_run_config(config, param_group_specs);
  if (!config.quiet)
    std::cout << (config.summary ? summary_table(config.model, summary) : summary_line(config.model, summary) + "\n");
  if (!config.quiet)
    std::cout << "data " << config.data << ": " << splits.train.size() << " train, " << splits.dev.size() << " dev, "
              << splits.test.size() << " test; " << task_text(splits.train) << "; model " << config.model << " ("
              << model->num_parameters() << " parameters); optimizer " << config.optimizer
              << optim::muon_note(*optimizer) << (config.schedule.empty() ? "" : "; schedule " + config.schedule)
              << std::endl;
  FitOptions options = config;
  FitExtras extras{.callbacks = {},
                   .schedule = schedule.get(),
                   .resume = resume,
                   .stop_requested = stop,
                   .config_json = nlohmann::json(with_absolute_data(config)).dump(),
                   .checkpoint_config_json = run_config.dump()};
  std::unique_ptr<DistributedCallback> data_parallel;
  if (world.distributed()) {
    data_parallel = std::make_unique<DistributedCallback>(*model, world,
                                                          DistributedOptions{.bucket_mb = config.bucket_mb,
                                                                             .sync_batch_norm = config.sync_batch_norm,
                                                                             .stop_requested = stop});
    make_data_parallel(options, extras, *data_parallel, world);
  }
  const FitResult result = fit(*model, *optimizer, splits, options, extras);
  if (!config.quiet && !splits.train.is_classification() && !splits.train.is_multilabel() && !result.interrupted)
    report_regression(*model, splits.test, result, config.eval_batch_size);
  return result;
}

}  // namespace descent
