// The fit loop and evaluation.
#include "descent/train/fit.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "descent/tensor/grad_mode.hpp"
#include "descent/data/loader.hpp"
#include "descent/io/atomic_file.hpp"
#include "descent/train/checkpoint.hpp"
#include "descent/io/safetensors.hpp"
#include "descent/nn/loss.hpp"
#include "descent/ops/ops.hpp"
#include "descent/optim/clip.hpp"

#include "descent/schedule/scheduler.hpp"
#include "descent/train/progress.hpp"

namespace descent {

LossFunction make_loss(const std::string& name, int64_t num_classes) {
  if (name == "cross_entropy") return [](const Tensor& out, const Tensor& y) { return cross_entropy(out, y); };
  if (name == "nll") return [](const Tensor& out, const Tensor& y) { return nll_loss(out, y); };
  // Regression losses compare outputs with targets; for classification, with one-hot targets.
  auto target_for = [num_classes](const Tensor& out, const Tensor& y) {
    return num_classes > 0 ? one_hot(y, num_classes, out.dtype()) : y.reshape(out.shape());
  };
  if (name == "mse") return [=](const Tensor& out, const Tensor& y) { return mse_loss(out, target_for(out, y)); };
  if (name == "l1") return [=](const Tensor& out, const Tensor& y) { return l1_loss(out, target_for(out, y)); };
  if (name == "huber") return [=](const Tensor& out, const Tensor& y) { return huber_loss(out, target_for(out, y)); };
  throw ValueError("unknown loss '" + name + "' (expected cross_entropy, nll, mse, l1 or huber)");
}

namespace {

// Number of rows whose largest output is at the target class.
int64_t count_correct(const Tensor& output, const Tensor& target) {
  if (output.dim() != 2 || output.shape()[1] < 2) return 0;
  const Tensor out = output.detach().contiguous();
  const Tensor y = target.contiguous();
  const int64_t n = out.shape()[0], c = out.shape()[1];
  int64_t correct = 0;
  dispatch(out.dtype(), [&]<class T>() {
    const T* p = out.data<T>();
    dispatch(y.dtype(), [&]<class L>() {
      const L* labels = y.data<L>();
      for (int64_t i = 0; i < n; ++i) {
        const T* row = p + i * c;
        int64_t best = 0;
        for (int64_t k = 1; k < c; ++k)
          if (row[k] > row[best]) best = k;
        correct += static_cast<int64_t>(labels[i]) == best;
      }
    });
  });
  return correct;
}

std::vector<Tensor> weight_matrices(const Module& model) {
  std::vector<Tensor> w;
  for (auto& [name, t] : model.named_parameters())
    if (t.dim() >= 2) w.push_back(t);
  return w;
}

NamedTensors snapshot(const Module& model) {
  NamedTensors copy;
  NoGradGuard guard;
  for (auto& [name, t] : model.state_dict()) copy.emplace_back(name, t.detach().clone());
  return copy;
}

std::string format_epoch(const EpochMetrics& m, bool classification) {
  char line[256];
  if (classification)
    std::snprintf(line, sizeof line,
                  "epoch %3d  train_loss %.4f  train_acc %6.2f%%  dev_loss %.4f  dev_acc %6.2f%%  lr %.3g  %.1fs",
                  m.epoch, m.train_loss, 100 * m.train_acc, m.dev_loss, 100 * m.dev_acc, m.lr, m.seconds);
  else
    std::snprintf(line, sizeof line, "epoch %3d  train_loss %.6g  dev_loss %.6g  lr %.3g  %.1fs", m.epoch,
                  m.train_loss, m.dev_loss, m.lr, m.seconds);
  return line;
}

nlohmann::json to_json(const EpochMetrics& m) {
  return {{"epoch", m.epoch}, {"train_loss", m.train_loss}, {"train_acc", m.train_acc}, {"dev_loss", m.dev_loss},
          {"dev_acc", m.dev_acc}, {"lr", m.lr},           {"seconds", m.seconds},     {"steps", m.steps}};
}

}  // namespace

EvalResult evaluate(Module& model, const Dataset& data, const LossFunction& loss, int64_t batch_size) {
  EvalResult r;
  if (data.size() == 0) return r;
  const bool was_training = model.is_training();
  model.eval();
  NoGradGuard guard;
  double total = 0;
  int64_t correct = 0;
  for (int64_t begin = 0; begin < data.size(); begin += batch_size) {
    const int64_t end = std::min(data.size(), begin + batch_size);
    const Dataset part = data.rows(begin, end);
    const Tensor out = model(part.x);
    total += loss(out, part.y).item() * static_cast<double>(end - begin);
    if (data.is_classification()) correct += count_correct(out, part.y);
  }
  model.train(was_training);
  r.examples = data.size();
  r.loss = total / static_cast<double>(data.size());
  r.accuracy = static_cast<double>(correct) / static_cast<double>(data.size());
  return r;
}

namespace {

// The loop's state between steps: what a checkpoint holds besides model, optimizer and schedule.
struct Progress {
  int epoch = 1;                 // the epoch under way (1-based)
  bool epoch_started = false;    // a mid-epoch checkpoint: continue this epoch
  int64_t step = 0;              // steps done in this epoch
  int64_t global_step = 0;
  double loss_sum = 0, seconds = 0;  // running sums of this epoch
  int64_t seen = 0, correct = 0;
  double lr = 0;
  bool have_best = false;
  int epochs_without_improvement = 0;
};

nlohmann::json generator_json(const Generator::State& s) { return std::vector<uint64_t>(s.begin(), s.end()); }
Generator::State generator_state(const nlohmann::json& j) {
  const auto v = j.get<std::vector<uint64_t>>();
  if (v.size() != 4) throw IOError("checkpoint: a generator state must have 4 words");
  return {v[0], v[1], v[2], v[3]};
}

EpochMetrics epoch_from_json(const nlohmann::json& j) {
  EpochMetrics m;
  m.epoch = j.at("epoch");
  m.train_loss = j.at("train_loss");
  m.train_acc = j.at("train_acc");
  m.dev_loss = j.at("dev_loss");
  m.dev_acc = j.at("dev_acc");
  m.lr = j.at("lr");
  m.seconds = j.at("seconds");
  m.steps = j.at("steps");
  return m;
}

}  // namespace

FitResult fit(Module& model, Optimizer& optimizer, const DataSplits& data, const FitOptions& o,
              const TrainingState* resume) {
  using clock = std::chrono::steady_clock;
  if (o.epochs < 0) throw ValueError("fit: epochs must be >= 0, got " + std::to_string(o.epochs));
  if (o.batch_size <= 0) throw ValueError("fit: batch size must be positive, got " + std::to_string(o.batch_size));
  if (data.train.size() == 0) throw ValueError("fit: the training set is empty");
  const bool classification = data.train.is_classification();
  const bool by_accuracy = classification && data.dev.size() > 0;  // else select on dev loss
  const LossFunction loss_fn = make_loss(o.loss, data.train.num_classes);
  const std::vector<Tensor> weights = weight_matrices(model);
  auto log = [&](const std::string& line) {
    if (o.quiet) return;
    if (o.log) o.log(line);
    else std::cout << line << std::endl;
  };

  DataLoader loader(data.train, {.batch_size = o.batch_size, .shuffle = true, .drop_last = o.drop_last, .seed = o.seed});
  FitResult result;
  Progress p;
  NamedTensors best = snapshot(model);

  // ---- resuming: put every piece back as the checkpoint found it ----
  if (resume) {
    model.load_state_dict(resume->model);
    best.clear();
    for (const auto& [name, t] : resume->best_model) best.emplace_back(name, t.clone());
    optimizer.load_state_dict(resume->optimizer);
    if (o.scheduler) o.scheduler->load_state_dict(resume->scheduler);
    const nlohmann::json& j = resume->progress;
    try {
      loader.load_state(j.at("loader").get<DataLoader::State>());
      default_generator().set_state(generator_state(j.at("default_generator")));
      p.epoch = j.at("epoch");
      p.epoch_started = j.at("epoch_started");
      p.step = j.at("step");
      p.global_step = j.at("global_step");
      p.loss_sum = j.at("loss_sum");
      p.seen = j.at("seen");
      p.correct = j.at("correct");
      p.seconds = j.at("seconds");
      p.lr = j.at("lr");
      p.have_best = j.at("have_best");
      p.epochs_without_improvement = j.at("epochs_without_improvement");
      result.best_epoch = j.at("best_epoch");
      result.best_dev_acc = j.at("best_dev_acc");
      result.best_dev_loss = j.at("best_dev_loss");
      for (const auto& e : j.at("history")) result.history.push_back(epoch_from_json(e));
      result.step_losses = j.at("step_losses").get<std::vector<double>>();
    } catch (const nlohmann::json::exception& e) {
      throw IOError(std::string("checkpoint: malformed training progress: ") + e.what());
    }
  }

  std::filesystem::path run_dir;
  std::ofstream metrics_file;
  if (!o.out_dir.empty()) {
    run_dir = o.out_dir;
    std::filesystem::create_directories(run_dir);
    // metrics.jsonl holds exactly the epochs so far (rewritten on resume, then appended to).
    std::string lines;
    for (const EpochMetrics& m : result.history) lines += to_json(m).dump() + "\n";
    write_file_atomic(run_dir / "metrics.jsonl", lines);
    metrics_file.open(run_dir / "metrics.jsonl", std::ios::app);
    if (!metrics_file) throw IOError("cannot write " + (run_dir / "metrics.jsonl").string());
  }

  auto capture = [&]() {
    TrainingState s;
    s.config = o.checkpoint_config;
    s.model = snapshot(model);
    s.best_model = best;
    s.optimizer = optimizer.state_dict();
    s.scheduler = o.scheduler ? o.scheduler->state_dict() : nlohmann::json();
    nlohmann::json history = nlohmann::json::array();
    for (const EpochMetrics& m : result.history) history.push_back(to_json(m));
    s.progress = {{"epoch", p.epoch},
                  {"epoch_started", p.epoch_started},
                  {"step", p.step},
                  {"global_step", p.global_step},
                  {"loss_sum", p.loss_sum},
                  {"seen", p.seen},
                  {"correct", p.correct},
                  {"seconds", p.seconds},
                  {"lr", p.lr},
                  {"have_best", p.have_best},
                  {"epochs_without_improvement", p.epochs_without_improvement},
                  {"best_epoch", result.best_epoch},
                  {"best_dev_acc", result.best_dev_acc},
                  {"best_dev_loss", result.best_dev_loss},
                  {"loader", loader.state()},
                  {"default_generator", generator_json(default_generator().state())},
                  {"history", history},
                  {"step_losses", result.step_losses}};
    return s;
  };
  auto save = [&]() {
    if (run_dir.empty() || !o.checkpoints) return;
    const auto path = checkpoint_path(run_dir, p.global_step);
    save_checkpoint(path, capture());
    prune_checkpoints(run_dir, o.keep_checkpoints);
    result.last_checkpoint = path.string();
  };

  const auto fit_start = clock::now();
  for (; p.epoch <= o.epochs && !result.diverged && !result.interrupted; ++p.epoch) {
    auto epoch_start = clock::now() - std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(p.seconds));
    if (!p.epoch_started) {
      p.epoch_started = true;
      p.step = p.seen = p.correct = 0;
      p.loss_sum = p.seconds = 0;
    }
    model.train();
    ProgressBar bar(!o.quiet && o.progress, p.epoch, o.epochs, loader.batches_per_epoch());
    Batch batch;
    while (loader.next(batch)) {
      ++p.step;
      optimizer.zero_grad();
      const Tensor out = model(batch.x);
      Tensor loss = loss_fn(out, batch.y);
      const double loss_value = loss.item();
      if (!std::isfinite(loss_value)) {
        result.diverged = true;
        result.stop_reason = "the training loss became " + std::string(std::isnan(loss_value) ? "NaN" : "infinite") +
                             " at epoch " + std::to_string(p.epoch) + ", step " + std::to_string(p.step) +
                             "; kept the best parameters so far (lower the learning rate?)";
        break;
      }
      if (o.l2 > 0) loss = add(loss, l2_penalty(weights, o.l2));
      loss.backward();
      if (o.clip_grad_norm > 0) optim::clip_grad_norm_(model.parameters(), o.clip_grad_norm);
      p.lr = optimizer.param_groups().front().lr();
      if (optimizer.needs_closure()) {
        // L-BFGS re-evaluates the minibatch's loss during its line search.
        optimizer.step([&] {
          optimizer.zero_grad();
          Tensor l = loss_fn(model(batch.x), batch.y);
          if (o.l2 > 0) l = add(l, l2_penalty(weights, o.l2));
          l.backward();
          return l.item();
        });
      } else {
        optimizer.step();
      }
      if (o.scheduler && o.schedule_per_batch && !o.scheduler->needs_metric()) o.scheduler->step();
      ++p.global_step;
      const int64_t b = batch.x.shape()[0];
      p.loss_sum += loss_value * static_cast<double>(b);
      result.step_losses.push_back(loss_value);
      p.seen += b;
      if (classification) p.correct += count_correct(out, batch.y);
      bar.update(p.step, p.loss_sum / static_cast<double>(p.seen));
      const bool stop = o.stop_requested && *o.stop_requested;
      if (stop || (o.checkpoint_every > 0 && p.global_step % o.checkpoint_every == 0)) {
        p.seconds = std::chrono::duration<double>(clock::now() - epoch_start).count();
        save();
      }
      if (stop) {
        result.interrupted = true;
        break;
      }
    }
    bar.clear();
    if (result.diverged || result.interrupted) break;
    if (p.seen == 0) throw ValueError("fit: an epoch had no batches (batch size larger than the data with drop_last?)");

    EpochMetrics m;
    m.epoch = p.epoch;
    m.steps = p.step;
    m.lr = p.lr;
    m.train_loss = p.loss_sum / static_cast<double>(p.seen);
    m.train_acc = static_cast<double>(p.correct) / static_cast<double>(p.seen);
    // Schedule-Free AdamW evaluates at a point other than the one it trains (a no-op for the others).
    optimizer.eval();
    const EvalResult dev = evaluate(model, data.dev, loss_fn, o.eval_batch_size);
    m.dev_loss = dev.loss;
    m.dev_acc = dev.accuracy;
    m.seconds = std::chrono::duration<double>(clock::now() - epoch_start).count();
    result.history.push_back(m);
    log(format_epoch(m, classification));
    if (metrics_file) metrics_file << to_json(m).dump() << '\n' << std::flush;

    // Keep the parameters with the best dev score (accuracy; loss for regression).
    // Without a dev set there is nothing to select on: the latest parameters are kept.
    const bool better = !p.have_best || data.dev.size() == 0 ||
                        (by_accuracy ? m.dev_acc > result.best_dev_acc : m.dev_loss < result.best_dev_loss);
    bool stop_early = false;
    if (better) {
      p.have_best = true;
      best = snapshot(model);
      result.best_epoch = p.epoch;
      result.best_dev_acc = m.dev_acc;
      result.best_dev_loss = m.dev_loss;
      p.epochs_without_improvement = 0;
    } else if (o.patience > 0 && ++p.epochs_without_improvement >= o.patience) {
      stop_early = true;
    }
    optimizer.train();
    if (o.scheduler) {
      if (o.scheduler->needs_metric()) o.scheduler->step(o.scheduler->metric_mode() == "max" ? m.dev_acc : m.dev_loss);
      else if (!o.schedule_per_batch) o.scheduler->step();
    }
    if (stop_early) {
      result.stopped_early = true;
      result.stop_reason = "early stopping: no better dev score for " + std::to_string(o.patience) + " epochs";
    }
    // The checkpoint after an epoch resumes at the next one (none after early stopping).
    const int current = p.epoch;
    p.epoch_started = false;
    p.epoch = stop_early ? o.epochs + 1 : current + 1;
    save();
    p.epoch = current;
    if (stop_early) break;
  }
  if (result.interrupted) {
    result.seconds = std::chrono::duration<double>(clock::now() - fit_start).count();
    return result;
  }

  // Restore the best parameters and test them.
  if (p.have_best) model.load_state_dict(best);
  if (!result.stop_reason.empty()) log(result.stop_reason);
  const EvalResult test = evaluate(model, data.test, loss_fn, o.eval_batch_size);
  result.test_loss = test.loss;
  result.test_acc = test.accuracy;
  result.seconds = std::chrono::duration<double>(clock::now() - fit_start).count();
  if (classification) {
    char line[160];
    std::snprintf(line, sizeof line, "best dev_acc %.2f%% at epoch %d; test_loss %.4f  test_acc %.2f%%  (%.1fs)",
                  100 * result.best_dev_acc, result.best_epoch, result.test_loss, 100 * result.test_acc, result.seconds);
    log(line);
  }

  if (!run_dir.empty()) {
    save_safetensors(run_dir / "best.safetensors", model.state_dict(),
                     {{"format", "pt"}, {"best_epoch", std::to_string(result.best_epoch)}, {"descent_config", o.config_json}});
    nlohmann::json summary = {{"best_epoch", result.best_epoch},   {"best_dev_acc", result.best_dev_acc},
                              {"best_dev_loss", result.best_dev_loss}, {"test_loss", result.test_loss},
                              {"test_acc", result.test_acc},       {"seconds", result.seconds},
                              {"epochs_run", result.history.size()}, {"stopped_early", result.stopped_early},
                              {"diverged", result.diverged},       {"stop_reason", result.stop_reason}};
    write_file_atomic(run_dir / "summary.json", summary.dump(2) + "\n");
  }
  return result;
}

}  // namespace descent
