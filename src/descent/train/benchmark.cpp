// The benchmark protocol: the grid, the runs, one run as fit(), results.jsonl, worker processes.
#include "descent/train/benchmark.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "descent/core/error.hpp"
#include "descent/core/rng.hpp"
#include "descent/core/threads.hpp"
#include "descent/io/atomic_file.hpp"
#include "descent/optim/factory.hpp"
#include "descent/spec/spec.hpp"

namespace descent {

void to_json(nlohmann::json& j, const BenchmarkConfig& c) {
  j = {{"problems", c.problems}, {"optimizers", c.optimizers}, {"lr_grid", c.lr_grid}, {"seeds", c.seeds},
       {"epochs", c.epochs},     {"subset", c.subset},         {"target", c.target},   {"threads", c.threads}};
}

void from_json(const nlohmann::json& j, BenchmarkConfig& c) {
  const BenchmarkConfig defaults;
  c.problems = j.value("problems", defaults.problems);
  c.optimizers = j.value("optimizers", defaults.optimizers);
  c.lr_grid = j.value("lr_grid", defaults.lr_grid);
  c.seeds = j.value("seeds", defaults.seeds);
  c.epochs = j.value("epochs", defaults.epochs);
  c.subset = j.value("subset", defaults.subset);
  c.target = j.value("target", defaults.target);
  c.threads = j.value("threads", defaults.threads);
}

namespace {

double parse_number(const std::string& text, const std::string& spec) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(value))
    throw ValueError("--lr-grid '" + spec + "': '" + text + "' is not a number");
  return value;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, separator);) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.emplace_back();
  return parts;
}

std::string format_lr(double lr) {
  char text[32];
  std::snprintf(text, sizeof text, "%.10g", lr);
  return text;
}

// NaN for a metric the run does not have (JSON null: a diverged run, a regression accuracy).
double number(const nlohmann::json& j, const std::string& key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : std::nan("");
}

}  // namespace

std::vector<double> parse_lr_grid(const std::string& spec) {
  std::vector<double> lrs;
  const std::vector<std::string> range = split(spec, ':');
  if (range.size() == 3) {
    const double from = parse_number(range[0], spec), to = parse_number(range[1], spec);
    const double count = parse_number(range[2], spec);
    if (count < 1 || count != std::floor(count))
      throw ValueError("--lr-grid '" + spec + "' has no points: COUNT must be a whole number >= 1");
    if (!(from > 0 && to > 0)) throw ValueError("--lr-grid '" + spec + "': learning rates must be > 0");
    const auto n = static_cast<int>(count);
    // As numpy.logspace (DeepOBS's grid): 10^(a + i (b − a) / (n − 1)).
    const double a = std::log10(from), b = std::log10(to);
    for (int i = 0; i < n; ++i) lrs.push_back(n == 1 ? from : std::pow(10.0, a + i * (b - a) / (n - 1)));
    return lrs;
  }
  if (range.size() != 1)
    throw ValueError("--lr-grid '" + spec + "': expected FROM:TO:COUNT (e.g. 1e-5:1e2:36) or a comma list");
  for (const std::string& item : split(spec, ','))
    if (!item.empty()) lrs.push_back(parse_number(item, spec));
  if (lrs.empty()) throw ValueError("--lr-grid '" + spec + "' has no points");
  for (double lr : lrs)
    if (!(lr > 0)) throw ValueError("--lr-grid '" + spec + "': learning rates must be > 0");
  return lrs;
}

bool higher_is_better(const std::string& metric) { return metric.ends_with("_acc"); }

Target parse_target(const std::string& spec, const std::vector<const Problem*>& problems) {
  const std::size_t eq = spec.find('=');
  if (eq == std::string::npos) throw ValueError("--target '" + spec + "': expected METRIC=VALUE, e.g. dev_acc=0.92");
  Target target{.metric = spec.substr(0, eq), .value = 0};
  const std::vector<std::string> allowed = {"train_loss", "train_acc", "dev_loss", "dev_acc"};
  if (std::find(allowed.begin(), allowed.end(), target.metric) == allowed.end())
    throw ValueError("--target '" + spec + "': the metric must be one measured every epoch (" + spec::joined(allowed) +
                     ")");
  try {
    std::size_t used = 0;
    target.value = std::stod(spec.substr(eq + 1), &used);
    if (used != spec.size() - eq - 1) throw ValueError("");
  } catch (const std::exception&) {
    throw ValueError("--target '" + spec + "': '" + spec.substr(eq + 1) + "' is not a number");
  }
  for (const Problem* problem : problems)
    if (higher_is_better(target.metric) && !problem->classification)
      throw ValueError("--target '" + spec + "': problem " + problem->name + " reports no accuracy (its metrics are " +
                       "train_loss, dev_loss and test_loss)");
  return target;
}

std::string RunSpec::key() const {
  return problem + "|" + optimizer + "|" + format_lr(lr) + "|" + std::to_string(seed);
}

std::string RunSpec::with_lr() const {
  return optimizer + (optimizer.find(':') == std::string::npos ? ":" : ",") + "lr=" + format_lr(lr);
}

void validate(const BenchmarkConfig& config) {
  if (config.problems.empty()) throw ValueError("benchmark: give at least one --problem NAME");
  if (config.optimizers.empty()) throw ValueError("benchmark: give at least one --optimizer SPEC");
  std::vector<const Problem*> problems;
  for (const std::string& name : config.problems) problems.push_back(&benchmark_problem(name));
  for (const std::string& spec : config.optimizers) {
    optim::OptimizerSpec parsed;
    try {
      parsed = optim::parse_optimizer_spec(spec);
    } catch (const Error& e) {
      throw ValueError("--optimizer '" + spec + "': " + e.what());
    }
    if (parsed.options.contains("lr"))
      throw ValueError("--optimizer '" + spec + "' sets lr, which the benchmark sweeps (--lr-grid); drop lr=");
    Tensor stand_in = Tensor::zeros({1});
    stand_in.requires_grad_();
    try {
      optim::make_optimizer(RunSpec{.problem = "", .optimizer = spec, .lr = 1e-3, .seed = 0}.with_lr(),
                            std::vector<Tensor>{stand_in});
    } catch (const Error& e) {
      throw ValueError("--optimizer '" + spec + "': " + e.what());
    }
  }
  parse_lr_grid(config.lr_grid);
  if (config.seeds < 1) throw ValueError("--seeds must be >= 1, got " + std::to_string(config.seeds));
  if (config.epochs < 0)
    throw ValueError("--epochs must be >= 0 (0: each problem's own), got " + std::to_string(config.epochs));
  if (config.subset < 0) throw ValueError("--subset must be >= 0 (0: all), got " + std::to_string(config.subset));
  if (config.threads < 1) throw ValueError("--threads must be >= 1, got " + std::to_string(config.threads));
  if (!config.target.empty()) parse_target(config.target, problems);
}

std::vector<RunSpec> sweep_runs(const BenchmarkConfig& config) {
  std::vector<RunSpec> runs;
  for (const std::string& problem : config.problems)
    for (const std::string& optimizer : config.optimizers)
      for (double lr : parse_lr_grid(config.lr_grid))
        runs.push_back({.problem = problem, .optimizer = optimizer, .lr = lr, .seed = 0});
  return runs;
}

std::optional<double> best_lr(const Problem& problem, const std::string& optimizer,
                              const std::vector<nlohmann::json>& results) {
  const std::string metric = problem.classification ? "dev_acc" : "dev_loss";
  const double sign = problem.classification ? -1.0 : 1.0;  // lower is better after the sign
  std::optional<double> best;
  double best_score = 0;
  for (const nlohmann::json& r : results) {
    if (r["problem"] != problem.name || r["optimizer"] != optimizer || r["seed"] != 0) continue;
    double score = sign * number(r["final"], metric);
    if (!std::isfinite(score) || r.value("diverged", false)) score = INFINITY;
    const double lr = r["lr"].get<double>();
    if (!best || score < best_score || (score == best_score && lr < *best)) {
      best = lr;
      best_score = score;
    }
  }
  return best;
}

std::vector<RunSpec> seed_runs(const BenchmarkConfig& config, const std::vector<nlohmann::json>& results) {
  const std::size_t grid_size = parse_lr_grid(config.lr_grid).size();
  std::vector<RunSpec> runs;
  for (const std::string& problem : config.problems)
    for (const std::string& optimizer : config.optimizers) {
      const std::size_t swept = std::count_if(results.begin(), results.end(), [&](const nlohmann::json& r) {
        return r["problem"] == problem && r["optimizer"] == optimizer && r["seed"] == 0;
      });
      if (swept < grid_size) continue;
      const double lr = *best_lr(benchmark_problem(problem), optimizer, results);
      for (int seed = 1; seed < config.seeds; ++seed)
        runs.push_back({.problem = problem, .optimizer = optimizer, .lr = lr, .seed = static_cast<uint64_t>(seed)});
    }
  return runs;
}

std::string config_id(const BenchmarkConfig& config) {
  const nlohmann::json settings = {{"lr_grid", parse_lr_grid(config.lr_grid)},
                                   {"seeds", config.seeds},
                                   {"epochs", config.epochs},
                                   {"subset", config.subset},
                                   {"target", config.target},
                                   {"threads", config.threads}};
  uint64_t hash = 1469598103934665603ULL;  // FNV-1a, 64 bits: stable across builds, unlike std::hash
  for (unsigned char c : settings.dump()) hash = (hash ^ c) * 1099511628211ULL;
  char text[24];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

std::vector<nlohmann::json> read_results(const std::filesystem::path& run_dir, const BenchmarkConfig& config) {
  const std::filesystem::path path = run_dir / "results.jsonl";
  std::vector<nlohmann::json> results;
  if (!std::filesystem::exists(path)) return results;
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::vector<std::string> lines = split(text, '\n');
  const std::string id = config_id(config);
  std::string kept;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    const bool last = i + 1 == lines.size();
    nlohmann::json line = nlohmann::json::parse(lines[i], nullptr, false);
    if (line.is_discarded() && last) break;  // cut short by a kill: that run is done again
    if (line.is_discarded() || !line.is_object())
      throw IOError(path.string() + " line " + std::to_string(i + 1) + " is not a JSON object");
    if (line.value("config", "") != id)
      throw IOError(path.string() + " line " + std::to_string(i + 1) +
                    " comes from another benchmark configuration (grid, seeds, epochs, subset, target or threads "
                    "differ); continue it with its own settings or choose another --out folder");
    kept += lines[i] + "\n";
    results.push_back(std::move(line));
  }
  if (kept != text) write_file_atomic(path, kept);
  return results;
}

nlohmann::json run_one(const BenchmarkConfig& config, const RunSpec& run) {
  const Problem& problem = benchmark_problem(run.problem);
  set_num_threads(config.threads);
  manual_seed(run.seed);
  ProblemInstance instance = make_problem(problem, run.seed, config.subset);
  const auto optimizer = optim::make_optimizer(run.with_lr(), instance.model->parameters());
  FitOptions options;
  options.epochs = config.epochs > 0 ? config.epochs : problem.epochs;
  options.batch_size = problem.batch_size;
  options.l2 = problem.l2;
  options.seed = run.seed;
  if (!instance.loss_name.empty()) options.loss = instance.loss_name;
  options.quiet = true;
  options.progress = false;
  options.checkpoints = false;
  FitExtras extras;
  extras.loss = instance.loss;
  const FitResult fitted = fit(*instance.model, *optimizer, instance.data, options, extras);

  nlohmann::json curves = {{"epoch", nlohmann::json::array()},
                           {"train_loss", nlohmann::json::array()},
                           {"dev_loss", nlohmann::json::array()},
                           {"steps", nlohmann::json::array()},
                           {"seconds", nlohmann::json::array()}};
  if (problem.classification) curves["train_acc"] = curves["dev_acc"] = nlohmann::json::array();
  int64_t steps = 0;
  double seconds = 0;
  std::optional<Target> target;
  if (!config.target.empty()) target = parse_target(config.target, {&problem});
  nlohmann::json reached = nullptr;
  for (const EpochMetrics& m : fitted.history) {
    steps += m.steps;
    seconds += m.seconds;
    const std::map<std::string, double> values = {{"train_loss", m.train_loss},
                                                  {"train_acc", m.train_acc},
                                                  {"dev_loss", m.dev_loss},
                                                  {"dev_acc", m.dev_acc}};
    for (const auto& [name, value] : values)
      if (curves.contains(name)) curves[name].push_back(value);
    curves["epoch"].push_back(m.epoch);
    curves["steps"].push_back(steps);
    curves["seconds"].push_back(seconds);
    if (target && reached.is_null()) {
      const double value = values.at(target->metric);
      const bool met = higher_is_better(target->metric) ? value >= target->value : value <= target->value;
      if (met) reached = {{"epoch", m.epoch}, {"steps", steps}, {"seconds", seconds}};
    }
  }
  nlohmann::json finals = {{"test_loss", fitted.test_loss}};
  if (problem.classification) finals["test_acc"] = fitted.test_acc;
  for (const char* name : {"train_loss", "train_acc", "dev_loss", "dev_acc"})
    if (curves.contains(name)) finals[name] = curves[name].empty() ? nlohmann::json(nullptr) : curves[name].back();
  nlohmann::json result = {{"config", config_id(config)},
                           {"key", run.key()},
                           {"problem", run.problem},
                           {"optimizer", run.optimizer},
                           {"lr", run.lr},
                           {"seed", run.seed},
                           {"final", finals},
                           {"curves", curves},
                           {"diverged", fitted.diverged},
                           {"seconds", fitted.seconds},
                           {"epochs", options.epochs}};
  if (target) result["target"] = {{"metric", target->metric}, {"value", target->value}, {"reached", reached}};
  return result;
}

namespace {

// One forked worker: trains the run and leaves its object (or its error) in `scratch`.
[[noreturn]] void worker(const BenchmarkConfig& config, const RunSpec& run, const std::filesystem::path& file) {
  int code = 0;
  try {
    write_file_atomic(file, run_one(config, run).dump());
  } catch (const std::exception& e) {
    std::ofstream(file.string() + ".error") << e.what();
    code = 2;
  }
  _exit(code);  // no atexit handlers, no flushing of the parent's buffers
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

void run_in_workers(const BenchmarkConfig& config, const std::vector<RunSpec>& runs, int jobs,
                    const std::filesystem::path& scratch, const std::function<void(const nlohmann::json&)>& on_result) {
  std::filesystem::create_directories(scratch);
  std::map<pid_t, std::size_t> running;
  std::size_t next = 0;
  std::string failure;
  while ((next < runs.size() && failure.empty()) || !running.empty()) {
    while (running.size() < static_cast<std::size_t>(std::max(1, jobs)) && next < runs.size() && failure.empty()) {
      std::fflush(nullptr);
      const pid_t pid = fork();
      if (pid < 0) throw Error("benchmark: could not start a worker process (fork failed)");
      if (pid == 0) worker(config, runs[next], scratch / (std::to_string(next) + ".json"));
      running[pid] = next++;
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) throw Error("benchmark: lost track of the worker processes");
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const std::size_t index = it->second;
    running.erase(it);
    const std::filesystem::path file = scratch / (std::to_string(index) + ".json");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && std::filesystem::exists(file)) {
      on_result(nlohmann::json::parse(read_text(file)));
    } else if (failure.empty()) {
      const std::string error = read_text(file.string() + ".error");
      failure = "run " + runs[index].key() + " failed: " + (error.empty() ? "its process was killed" : error);
    }
    std::filesystem::remove(file);
    std::filesystem::remove(file.string() + ".error");
  }
  std::filesystem::remove_all(scratch);
  if (!failure.empty()) throw Error(failure);
}

std::vector<nlohmann::json> run_benchmark(const BenchmarkConfig& config, const std::filesystem::path& run_dir, int jobs,
                                          const std::function<void(const std::string&)>& progress) {
  validate(config);
  std::filesystem::create_directories(run_dir);
  std::vector<nlohmann::json> results = read_results(run_dir, config);
  const auto pending = [&results](const std::vector<RunSpec>& runs) {
    std::set<std::string> done;
    for (const nlohmann::json& r : results) done.insert(r["key"].get<std::string>());
    std::vector<RunSpec> todo;
    for (const RunSpec& run : runs)
      if (!done.contains(run.key())) todo.push_back(run);
    return todo;
  };
  // benchmark.json is written with the first result, so a benchmark whose first runs fail (its
  // data missing) leaves an empty folder to start again in.
  const auto record = [&](const nlohmann::json& result) {
    if (!std::filesystem::exists(run_dir / "benchmark.json"))
      write_file_atomic(run_dir / "benchmark.json", nlohmann::json(config).dump(2) + "\n");
    std::ofstream out(run_dir / "results.jsonl", std::ios::app | std::ios::binary);
    out << result.dump() << "\n";
    out.flush();
    if (!out) throw IOError("could not append to " + (run_dir / "results.jsonl").string());
    results.push_back(result);
    if (progress) progress(result["key"].get<std::string>());
  };
  run_in_workers(config, pending(sweep_runs(config)), jobs, run_dir / ".workers", record);
  run_in_workers(config, pending(seed_runs(config, results)), jobs, run_dir / ".workers", record);
  return results;
}

}  // namespace descent
