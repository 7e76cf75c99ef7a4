// The ranks of a data-parallel job and the few collectives training needs, over Open MPI when
// the process was started by mpirun and as a world of one process otherwise. Sums are
// deterministic: rank 0 adds the ranks' buffers in rank order ((b0 + b1) + b2) + ... and
// broadcasts the result, so a job gives the same bits every time for a given number of ranks
// (MPI_Allreduce leaves the order of its additions unspecified). MPI's own types stay in
// communicator.cpp.
//
//   int main(int argc, char** argv) {
//     descent::dist::Session session(argc, argv);   // MPI_Init when launched by mpirun
//     auto& world = descent::dist::Communicator::world();
//     world.all_reduce_sum(values);                   // every rank now holds the sum
//   }
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "descent/core/error.hpp"

namespace descent::dist {

// True when a launcher (Open MPI's mpirun, or a PMI/PMIx one) started this process as a rank.
bool launched_by_mpirun();

// Starts MPI for the life of the object when launched_by_mpirun() (MPI_Init_thread with
// MPI_THREAD_FUNNELED: only the main thread calls MPI), else does nothing. Ranks other than 0
// send their stdout to /dev/null, so only rank 0 prints (errors still go to stderr).
// Throws Error when launched by mpirun but built without MPI.
class Session {
 public:
  Session(int& argc, char**& argv);
  ~Session();  // MPI_Finalize
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

 private:
  bool started_ = false;
};

// An error every rank raises together, after agreeing on it (a bad configuration, data a rank
// could not read): rank 0 prints it and every rank exits normally.
class CollectiveError : public Error {
 public:
  using Error::Error;
};

class Communicator {
 public:
  // The job's ranks (MPI_COMM_WORLD once a Session started MPI; else this process alone).
  static Communicator& world();

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }
  bool distributed() const { return size_ > 1; }

  // Element-wise sum over the ranks, in rank order; every rank ends with the same bits.
  void all_reduce_sum(std::span<double> values);
  void all_reduce_sum(std::span<float> values);

  // The same sum in two halves, so the transfer overlaps other work: start_sum sends the
  // buffer (which must stay untouched and alive until finished); finish_sums completes every
  // started sum in the order started and leaves the results in the buffers. Every rank starts
  // the same sums in the same order; `tag` (0 <= tag < 30000) tells the sums under way apart.
  void start_sum(std::span<double> values, int tag);
  void start_sum(std::span<float> values, int tag);
  void finish_sums();

  // Rank root's bytes to every rank.
  void broadcast(std::span<std::byte> bytes, int root = 0);
  void barrier();

  // Throws CollectiveError on every rank unless every rank passed the same value:
  // "<what> differs between ranks (rank R's differs from rank 0's)".
  void require_same(uint64_t value, const std::string& what);
  // Every rank passes its error, if any; when one has one, every rank throws CollectiveError
  // with the first failing rank's message, prefixed with "rank R: ".
  void agree(const std::optional<std::string>& error);

  // Ends the whole job at once (MPI_Abort), for an error only this rank knows of.
  [[noreturn]] void abort(int code);

 private:
  Communicator() = default;
  friend class Session;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace descent::dist
