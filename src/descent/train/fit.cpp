// The fit loop and evaluation.
#include "descent/train/fit.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "descent/autograd/grad_mode.hpp"
#include "descent/data/loader.hpp"
#include "descent/io/atomic_file.hpp"
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

FitResult fit(Module& model, Optimizer& optimizer, const DataSplits& data, const FitOptions& o) {
  using clock = std::chrono::steady_clock;
  if (o.epochs < 0) throw ValueError("fit: epochs must be >= 0, got " + std::to_string(o.epochs));
  if (o.batch_size <= 0) throw ValueError("fit: batch size must be positive, got " + std::to_string(o.batch_size));
  if (data.train.size() == 0) throw ValueError("fit: the training set is empty");
  const bool classification = data.train.is_classification();
  const LossFunction loss_fn = make_loss(o.loss, data.train.num_classes);
  const std::vector<Tensor> weights = weight_matrices(model);
  auto log = [&](const std::string& line) {
    if (o.quiet) return;
    if (o.log) o.log(line);
    else std::cout << line << std::endl;
  };

  std::filesystem::path run_dir;
  std::ofstream metrics_file;
  if (!o.out_dir.empty()) {
    run_dir = o.out_dir;
    std::filesystem::create_directories(run_dir);
    metrics_file.open(run_dir / "metrics.jsonl", std::ios::trunc);
    if (!metrics_file) throw IOError("cannot write " + (run_dir / "metrics.jsonl").string());
  }

  DataLoader loader(data.train, {.batch_size = o.batch_size, .shuffle = true, .drop_last = o.drop_last, .seed = o.seed});
  FitResult result;
  NamedTensors best = snapshot(model);
  bool have_best = false;
  int epochs_without_improvement = 0;
  const auto fit_start = clock::now();

  for (int epoch = 1; epoch <= o.epochs && !result.diverged; ++epoch) {
    const auto epoch_start = clock::now();
    model.train();
    EpochMetrics m;
    m.epoch = epoch;
    ProgressBar bar(!o.quiet && o.progress, epoch, o.epochs, loader.batches_per_epoch());
    double loss_sum = 0;
    int64_t seen = 0, correct = 0, step = 0;
    Batch batch;
    while (loader.next(batch)) {
      ++step;
      optimizer.zero_grad();
      const Tensor out = model(batch.x);
      Tensor loss = loss_fn(out, batch.y);
      const double loss_value = loss.item();
      if (!std::isfinite(loss_value)) {
        result.diverged = true;
        result.stop_reason = "the training loss became " + std::string(std::isnan(loss_value) ? "NaN" : "infinite") +
                             " at epoch " + std::to_string(epoch) + ", step " + std::to_string(step) +
                             "; kept the best parameters so far (lower the learning rate?)";
        break;
      }
      if (o.l2 > 0) loss = add(loss, l2_penalty(weights, o.l2));
      loss.backward();
      if (o.clip_grad_norm > 0) optim::clip_grad_norm_(model.parameters(), o.clip_grad_norm);
      m.lr = optimizer.param_groups().front().lr();
      optimizer.step();
      if (o.scheduler && o.schedule_per_batch && !o.scheduler->needs_metric()) o.scheduler->step();
      const int64_t b = batch.x.shape()[0];
      loss_sum += loss_value * static_cast<double>(b);
      result.step_losses.push_back(loss_value);
      seen += b;
      if (classification) correct += count_correct(out, batch.y);
      bar.update(step, loss_sum / static_cast<double>(seen));
    }
    bar.clear();
    m.steps = step;
    if (seen == 0 && !result.diverged) throw ValueError("fit: an epoch had no batches (batch size larger than the data with drop_last?)");
    if (seen > 0) {
      m.train_loss = loss_sum / static_cast<double>(seen);
      m.train_acc = static_cast<double>(correct) / static_cast<double>(seen);
    }
    if (result.diverged) break;

    const EvalResult dev = evaluate(model, data.dev, loss_fn, o.eval_batch_size);
    m.dev_loss = dev.loss;
    m.dev_acc = dev.accuracy;
    m.seconds = std::chrono::duration<double>(clock::now() - epoch_start).count();
    result.history.push_back(m);
    log(format_epoch(m, classification));
    if (metrics_file) metrics_file << to_json(m).dump() << '\n' << std::flush;

    // Keep the parameters with the best dev score (accuracy; loss for regression or no dev set).
    const bool by_accuracy = classification && data.dev.size() > 0;
    const bool better = !have_best || (by_accuracy ? m.dev_acc > result.best_dev_acc : m.dev_loss < result.best_dev_loss);
    if (better) {
      have_best = true;
      best = snapshot(model);
      result.best_epoch = epoch;
      result.best_dev_acc = m.dev_acc;
      result.best_dev_loss = m.dev_loss;
      epochs_without_improvement = 0;
    } else if (o.patience > 0 && ++epochs_without_improvement >= o.patience) {
      result.stopped_early = true;
      result.stop_reason = "early stopping: no better dev score for " + std::to_string(o.patience) + " epochs";
      break;
    }
    if (o.scheduler && (o.scheduler->needs_metric() || !o.schedule_per_batch))
      o.scheduler->needs_metric() ? o.scheduler->step(by_accuracy ? m.dev_acc : m.dev_loss) : o.scheduler->step();
  }

  // Restore the best parameters and test them.
  if (have_best) model.load_state_dict(best);
  if (!result.stop_reason.empty()) log(result.stop_reason);
  const EvalResult test = evaluate(model, data.test, loss_fn, o.eval_batch_size);
  result.test_loss = test.loss;
  result.test_acc = test.accuracy;
  result.seconds = std::chrono::duration<double>(clock::now() - fit_start).count();
  if (classification)
    log("best dev_acc " + std::to_string(100 * result.best_dev_acc).substr(0, 5) + "% at epoch " +
        std::to_string(result.best_epoch) + "; test_loss " + std::to_string(result.test_loss).substr(0, 6) +
        "  test_acc " + std::to_string(100 * result.test_acc).substr(0, 5) + "%  (" +
        std::to_string(result.seconds).substr(0, 5) + "s)");

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
