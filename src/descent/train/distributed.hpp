// Data-parallel training as PyTorch's DistributedDataParallel (Li et al. 2020, "PyTorch
// Distributed: Experiences on Accelerating Data Parallel Training", VLDB): every rank holds a
// replica of the model (rank 0's parameters are broadcast when training begins), trains on its
// contiguous share of each global batch (DataLoaderOptions' shard), and after backward the
// gradients are averaged over the ranks, weighted by each rank's examples, so every rank takes
// the same optimizer step as one process on the whole batch. The gradients travel in buckets
// of about `bucket_mb` megabytes (DDP's bucket_cap_mb, Horovod's tensor fusion): a bucket's
// sum starts from the post-accumulate-grad hook of its last parameter, while backward goes on
// through the earlier layers. Sums are in rank order (dist::Communicator), so a run is
// bit-reproducible for a given number of ranks. From forward to the end of backward the step's
// global batch is set (nn/global_batch.hpp): dropout draws the masks of this rank's rows of it,
// and with sync_batch_norm BatchNorm2d takes its statistics over every rank's rows.
#pragma once
#include <csignal>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "descent/dist/communicator.hpp"
#include "descent/nn/global_batch.hpp"
#include "descent/tensor/node.hpp"
#include "descent/train/callbacks.hpp"

namespace descent {

struct DistributedOptions {
  double bucket_mb = 25;         // gradient bucket size in MiB (DDP's bucket_cap_mb)
  bool sync_batch_norm = false;  // BatchNorm2d statistics over the global batch (torch.nn.SyncBatchNorm)
  // Set by this rank's signal handler; stop_flag() becomes set on every rank at the same step.
  const volatile std::sig_atomic_t* stop_requested = nullptr;
};

class DistributedCallback : public Callback {
 public:
  DistributedCallback(Module& model, dist::Communicator& comm, DistributedOptions options);
  ~DistributedCallback() override;
  DistributedCallback(const DistributedCallback&) = delete;
  DistributedCallback& operator=(const DistributedCallback&) = delete;

  void on_train_begin(FitContext& context) override;  // rank 0's parameters to every rank
  void on_step_begin(FitContext& context) override;   // sets the step's global batch
  void after_backward(FitContext& context) override;  // the remaining buckets, then the averages
  void on_step_end(FitContext& context) override;     // the step's loss and accuracy over all ranks
  // Rank 0, unless quiet: the time the steps waited for the sums, as one line on stdout.
  void on_train_end(FitContext& context) override;

  // For FitExtras::stop_requested: a stop any rank was asked for, seen by all at the same step.
  const volatile std::sig_atomic_t* stop_flag() const { return &stop_; }
  std::size_t bucket_count() const { return buckets_.size(); }
  // Seconds spent in the sums after backward (the part of the gradient sums that backward did
  // not hide) and in the step's metrics, over the steps so far.
  double communication_seconds() const { return communication_seconds_; }

 private:
  struct Bucket {
    std::vector<Tensor> params;  // in the order backward usually finishes them (last layer first)
    Tensor flat;                 // their gradients, end to end
    std::size_t ready = 0;
    bool started = false;
  };
  void on_gradient_ready(std::size_t bucket);
  void start(Bucket& bucket);
  void copy_back(Bucket& bucket);

  dist::Communicator& comm_;
  DistributedOptions options_;
  std::vector<Bucket> buckets_;
  std::vector<RemovableHandle> hooks_;
  std::optional<GlobalBatchScope> global_batch_;  // from on_step_begin to after_backward
  bool armed_ = false;                            // between on_step_begin and after_backward
  double weight_ = 1;                             // this rank's examples / the global batch's
  int64_t global_rows_ = 0;
  double loss_sum_before_ = 0;
  int64_t seen_before_ = 0, correct_before_ = 0, labels_correct_before_ = 0;
  double communication_seconds_ = 0;
  volatile std::sig_atomic_t stop_ = 0;
};

// evaluate() split over the ranks: each takes its contiguous share of `data`; the sums of the
// loss and of the correct answers are added over the ranks (every rank gets the same result).
// One process: evaluate() itself. `also` sees this rank's batches only.
EvalResult evaluate_distributed(Module& model, const Dataset& data, const LossFunction& loss, int64_t batch_size,
                                dist::Communicator& comm, const OutputsVisitor& also = {});

// ---- what run_training does for a data-parallel run (comm.distributed())

// Refuses, on every rank together, a batch size the ranks cannot share evenly, an epoch's last
// batch too small to give every rank a row, and configurations that differ between ranks
// (compared by a hash of `config_json`).
void check_data_parallel(int64_t batch_size, int64_t train_size, bool drop_last, const std::string& config_json,
                         dist::Communicator& comm);

// Runs `load` on every rank; when one fails, every rank throws its message (CollectiveError).
// One process: `load`, its exceptions as they are.
template <class Load>
auto load_on_every_rank(Load load, dist::Communicator& comm) -> decltype(load()) {
  if (!comm.distributed()) return load();
  std::optional<std::string> error;
  decltype(load()) value{};
  try {
    value = load();
  } catch (const dist::CollectiveError&) {
    throw;
  } catch (const Error& e) {
    error = e.what();
  }
  comm.agree(error);
  return value;
}

// Points `extras` at the callback (added to its callbacks, with its stop flag), this rank's
// share of the data and the split evaluation; ranks other than 0 write and print nothing.
void make_data_parallel(FitOptions& options, FitExtras& extras, DistributedCallback& callback,
                        dist::Communicator& comm);

}  // namespace descent
