// DistributedCallback: gradient buckets summed over the ranks as backward finishes them, and
// the step's metrics over all ranks; evaluation split over the ranks.
#include "descent/train/distributed.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <type_traits>

#include "descent/data/loader.hpp"
#include "descent/tensor/grad_mode.hpp"

namespace descent {

namespace {

std::span<std::byte> bytes_of(const Tensor& t) {
  return {static_cast<std::byte*>(t.impl().storage->data()) + t.offset() * static_cast<int64_t>(dtype_size(t.dtype())),
          static_cast<std::size_t>(t.numel()) * dtype_size(t.dtype())};
}

// SyncBatchNorm covers BatchNorm2d, whose op takes the ranks' sums; BatchNorm1d is built from
// primitive ops and would silently keep per-rank statistics.
void check_sync_batch_norm(const Module& module) {
  if (module.name() == "BatchNorm1d")
    throw dist::CollectiveError(
        "--sync-batch-norm synchronizes BatchNorm2d only, and this model has BatchNorm1d (the batch norm of "
        "fully connected layers): drop --sync-batch-norm or --batch-norm");
  for (const auto& [name, child] : module.children()) check_sync_batch_norm(*child);
}

void start_sum(dist::Communicator& comm, const Tensor& flat, int tag) {
  if (flat.dtype() == DType::f64)
    comm.start_sum(std::span<double>(flat.data<double>(), flat.numel()), tag);
  else
    comm.start_sum(std::span<float>(flat.data<float>(), flat.numel()), tag);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

DistributedCallback::DistributedCallback(Module& model, dist::Communicator& comm, DistributedOptions options)
    : comm_(comm), options_(options) {
  if (options_.sync_batch_norm) check_sync_batch_norm(model);
  const std::vector<Tensor> params = model.parameters();
  if (params.empty()) return;
  const DType dtype = params.front().dtype();
  if (dtype != DType::f32 && dtype != DType::f64)
    throw ValueError("data-parallel training needs float32 or float64 parameters");
  const auto cap = static_cast<std::size_t>(std::max(0.0, options_.bucket_mb) * 1024 * 1024);
  std::size_t bytes = 0;
  for (auto p = params.rbegin(); p != params.rend(); ++p) {
    if (p->dtype() != dtype) throw ValueError("data-parallel training needs every parameter in one dtype");
    if (buckets_.empty() || bytes >= cap) {
      buckets_.emplace_back();
      bytes = 0;
    }
    buckets_.back().params.push_back(*p);
    bytes += static_cast<std::size_t>(p->numel()) * dtype_size(dtype);
  }
  for (std::size_t b = 0; b < buckets_.size(); ++b) {
    int64_t count = 0;
    for (const Tensor& p : buckets_[b].params) {
      count += p.numel();
      hooks_.push_back(register_post_accumulate_grad_hook(p, [this, b](const Tensor&) { on_gradient_ready(b); }));
    }
    buckets_[b].flat = Tensor::zeros(Shape{count}, dtype);
  }
}

DistributedCallback::~DistributedCallback() {
  for (RemovableHandle& hook : hooks_) hook.remove();
}

void DistributedCallback::on_train_begin(FitContext& context) {
  if (context.optimizer.needs_closure())
    throw dist::CollectiveError("data-parallel training does not support closure optimizers (L-BFGS): run one process");
  NoGradGuard guard;
  for (const Tensor& p : context.model.parameters()) comm_.broadcast(bytes_of(p.contiguous()));
}

void DistributedCallback::on_step_begin(FitContext& context) {
  global_rows_ = context.loader.last_batch_rows();
  const int64_t rows = context.batch->x.shape()[0];
  weight_ = static_cast<double>(rows) / static_cast<double>(global_rows_);
  GlobalBatch global{.rows_before = shard_range(global_rows_, comm_.rank(), comm_.size()).first,
                     .rows = rows,
                     .global_rows = global_rows_,
                     .sum_over_ranks = {}};
  if (options_.sync_batch_norm) global.sum_over_ranks = [this](std::span<double> sums) { comm_.all_reduce_sum(sums); };
  global_batch_.emplace(std::move(global));
  loss_sum_before_ = context.progress.loss_sum;
  seen_before_ = context.progress.seen;
  correct_before_ = context.progress.correct;
  labels_correct_before_ = context.progress.labels_correct;
  for (Bucket& bucket : buckets_) {
    bucket.ready = 0;
    bucket.started = false;
  }
  armed_ = true;
}

void DistributedCallback::on_gradient_ready(std::size_t index) {
  if (!armed_) return;
  Bucket& bucket = buckets_[index];
  if (++bucket.ready == bucket.params.size()) start(bucket);
}

// The bucket's gradients, each times this rank's share of the batch, into its flat buffer,
// and the sum under way (a parameter without a gradient in this step contributes zeros).
void DistributedCallback::start(Bucket& bucket) {
  dispatch(bucket.flat.dtype(), [&]<class T>() {
    if constexpr (std::is_floating_point_v<T>) {
      T* out = bucket.flat.data<T>();
      const auto weight = static_cast<T>(weight_);
      for (const Tensor& p : bucket.params) {
        const int64_t n = p.numel();
        const Tensor grad = p.grad();
        if (!grad.defined()) {
          std::memset(out, 0, static_cast<std::size_t>(n) * sizeof(T));
        } else {
          const Tensor g = grad.contiguous();
          const T* in = g.data<T>();
          for (int64_t i = 0; i < n; ++i) out[i] = in[i] * weight;
        }
        out += n;
      }
    }
  });
  start_sum(comm_, bucket.flat, static_cast<int>(&bucket - buckets_.data()));
  bucket.started = true;
}

// The summed gradients as each parameter's .grad (new tensors: a .grad may share its storage).
void DistributedCallback::copy_back(Bucket& bucket) {
  const std::byte* in = bytes_of(bucket.flat).data();
  for (Tensor& p : bucket.params) {
    Tensor grad = Tensor::empty(p.shape(), p.dtype());
    const std::span<std::byte> out = bytes_of(grad);
    std::memcpy(out.data(), in, out.size());
    in += out.size();
    p.set_grad(grad);
  }
}

void DistributedCallback::after_backward(FitContext&) {
  armed_ = false;
  global_batch_.reset();
  const auto started = std::chrono::steady_clock::now();
  for (Bucket& bucket : buckets_)
    if (!bucket.started) start(bucket);
  comm_.finish_sums();
  communication_seconds_ += seconds_since(started);
  for (Bucket& bucket : buckets_) copy_back(bucket);
}

void DistributedCallback::on_step_end(FitContext& context) {
  TrainingProgress& progress = context.progress;
  const bool asked_to_stop = options_.stop_requested != nullptr && *options_.stop_requested != 0;
  std::vector<double> sums = {context.loss * weight_, static_cast<double>(progress.correct - correct_before_),
                              asked_to_stop ? 1.0 : 0.0,
                              static_cast<double>(progress.labels_correct - labels_correct_before_)};
  const auto started = std::chrono::steady_clock::now();
  comm_.all_reduce_sum(sums);
  communication_seconds_ += seconds_since(started);
  context.loss = sums[0];
  progress.loss_sum = loss_sum_before_ + sums[0] * static_cast<double>(global_rows_);
  progress.seen = seen_before_ + global_rows_;
  progress.correct = correct_before_ + static_cast<int64_t>(std::llround(sums[1]));
  progress.labels_correct = labels_correct_before_ + static_cast<int64_t>(std::llround(sums[3]));
  if (!progress.step_losses.empty()) progress.step_losses.back() = sums[0];
  if (sums[2] > 0 && stop_ == 0) stop_ = asked_to_stop ? *options_.stop_requested : SIGTERM;
}

void DistributedCallback::on_train_end(FitContext& context) {
  if (!comm_.is_root() || context.options.quiet || context.result.interrupted) return;
  char line[160];
  std::snprintf(line, sizeof line, "%d ranks, %zu gradient bucket%s: %.1fs waiting for the sums (%.0f%% of %.1fs)",
                comm_.size(), buckets_.size(), buckets_.size() == 1 ? "" : "s", communication_seconds_,
                context.result.seconds > 0 ? 100 * communication_seconds_ / context.result.seconds : 0.0,
                context.result.seconds);
  std::cout << line << std::endl;
}

EvalResult evaluate_distributed(Module& model, const Dataset& data, const LossFunction& loss, int64_t batch_size,
                                dist::Communicator& comm, const OutputsVisitor& also) {
  if (!comm.distributed()) return evaluate(model, data, loss, batch_size, also);
  const auto [first, last] = shard_range(data.size(), comm.rank(), comm.size());
  const EvalResult part = evaluate(model, data.rows(first, last), loss, batch_size, also);
  const auto examples = static_cast<double>(part.examples);
  std::vector<double> sums = {part.loss * examples, std::round(part.accuracy * examples), examples,
                              part.label_accuracy * examples};
  comm.all_reduce_sum(sums);
  EvalResult total;
  total.examples = static_cast<int64_t>(sums[2]);
  if (total.examples == 0) return total;
  total.loss = sums[0] / sums[2];
  total.accuracy = sums[1] / sums[2];
  total.label_accuracy = sums[3] / sums[2];
  return total;
}

namespace {

// FNV-1a, 64 bits (Fowler, Noll and Vo): the same on every machine and build.
uint64_t fnv1a(const std::string& text) {
  uint64_t hash = 14695981039346656037ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

}  // namespace

void check_data_parallel(int64_t batch_size, int64_t train_size, bool drop_last, const std::string& config_json,
                         dist::Communicator& comm) {
  const int64_t ranks = comm.size();
  comm.require_same(fnv1a(config_json), "the run configuration");
  if (batch_size % ranks != 0)
    throw dist::CollectiveError("--batch-size " + std::to_string(batch_size) + " cannot be shared by " +
                                std::to_string(ranks) + " ranks: use a multiple of " + std::to_string(ranks));
  const int64_t last = train_size % batch_size;
  if (!drop_last && last > 0 && last < ranks)
    throw dist::CollectiveError("the epoch's last batch of " + std::to_string(last) + " examples cannot give each of " +
                                std::to_string(ranks) + " ranks one: use --drop-last or another --batch-size");
}

void make_data_parallel(FitOptions& options, FitExtras& extras, DistributedCallback& callback,
                        dist::Communicator& comm) {
  extras.callbacks.push_back(&callback);
  extras.stop_requested = callback.stop_flag();
  extras.shard_rank = comm.rank();
  extras.shard_count = comm.size();
  extras.evaluate = [&comm](Module& model, const Dataset& data, const LossFunction& loss, int64_t batch_size) {
    return evaluate_distributed(model, data, loss, batch_size, comm);
  };
  if (!comm.is_root()) {
    options.out.clear();
    options.quiet = true;
  }
}

}  // namespace descent
