// Communicator over MPI point-to-point messages and broadcasts (DESCENT_HAVE_MPI), or a world
// of one process. The sum gathers to rank 0, adds in rank order and broadcasts: 2(N-1)
// messages through rank 0, fine for the few ranks of one machine or a small cluster;
// docs/distributed.md compares it with the ring all-reduce's cost.
#include "descent/dist/communicator.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <vector>

#ifdef DESCENT_HAVE_MPI
#include <mpi.h>
#endif

namespace descent::dist {

bool launched_by_mpirun() {
  for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (std::getenv(variable) != nullptr) return true;
  return false;
}

Communicator& Communicator::world() {
  static Communicator instance;
  return instance;
}

#ifdef DESCENT_HAVE_MPI

namespace {

constexpr int kBlockingTag = 30000;

// A sum under way: the buffer, and on rank 0 one receive per other rank into scratch space.
struct PendingSum {
  void* values = nullptr;
  int count = 0;
  MPI_Datatype type = MPI_DOUBLE;
  std::size_t element_size = 0;
  int tag = 0;
  std::vector<MPI_Request> requests;
};

std::deque<PendingSum>& pending() {
  static std::deque<PendingSum> sums;
  return sums;
}

// Rank 0's receive buffers, one per (tag, rank), kept between steps.
std::vector<std::byte>& scratch(int tag, int rank, std::size_t bytes) {
  static std::map<std::pair<int, int>, std::vector<std::byte>> buffers;
  std::vector<std::byte>& buffer = buffers[{tag, rank}];
  if (buffer.size() < bytes) buffer.resize(bytes);
  return buffer;
}

void check(int code, const char* what) {
  if (code != MPI_SUCCESS) throw Error(std::string("MPI: ") + what + " failed (error " + std::to_string(code) + ")");
}

template <class T>
void start(std::span<T> values, int tag, MPI_Datatype type, const Communicator& comm) {
  if (values.size() > static_cast<std::size_t>(INT32_MAX)) throw ValueError("all-reduce: a buffer over 2^31 elements");
  PendingSum sum{.values = values.data(),
                 .count = static_cast<int>(values.size()),
                 .type = type,
                 .element_size = sizeof(T),
                 .tag = tag,
                 .requests = {}};
  if (comm.is_root()) {
    sum.requests.resize(static_cast<std::size_t>(comm.size() - 1));
    for (int r = 1; r < comm.size(); ++r)
      check(MPI_Irecv(scratch(tag, r, values.size_bytes()).data(), sum.count, type, r, tag, MPI_COMM_WORLD,
                      &sum.requests[static_cast<std::size_t>(r - 1)]),
            "MPI_Irecv");
  } else {
    sum.requests.resize(1);
    check(MPI_Isend(values.data(), sum.count, type, 0, tag, MPI_COMM_WORLD, sum.requests.data()), "MPI_Isend");
  }
  pending().push_back(std::move(sum));
  // Open MPI moves messages only inside MPI calls: let the sums already under way advance.
  for (PendingSum& earlier : pending()) {
    int done = 0;
    check(MPI_Testall(static_cast<int>(earlier.requests.size()), earlier.requests.data(), &done, MPI_STATUSES_IGNORE),
          "MPI_Testall");
  }
}

template <class T>
void add_rank_order(const PendingSum& sum, int size) {
  T* total = static_cast<T*>(sum.values);
  for (int r = 1; r < size; ++r) {
    const T* part = reinterpret_cast<const T*>(scratch(sum.tag, r, 0).data());
    for (int i = 0; i < sum.count; ++i) total[i] += part[i];
  }
}

}  // namespace

Session::Session(int& argc, char**& argv) {
  if (!launched_by_mpirun()) return;
  int provided = 0;
  check(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  started_ = true;
  Communicator& world = Communicator::world();
  MPI_Comm_rank(MPI_COMM_WORLD, &world.rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &world.size_);
  if (!world.is_root() && std::freopen("/dev/null", "w", stdout) == nullptr)
    throw IOError("cannot send rank " + std::to_string(world.rank()) + "'s output to /dev/null");
}

Session::~Session() {
  if (started_) MPI_Finalize();
}

void Communicator::start_sum(std::span<double> values, int tag) {
  if (distributed()) start(values, tag, MPI_DOUBLE, *this);
}
void Communicator::start_sum(std::span<float> values, int tag) {
  if (distributed()) start(values, tag, MPI_FLOAT, *this);
}

void Communicator::finish_sums() {
  while (!pending().empty()) {
    PendingSum sum = std::move(pending().front());
    pending().pop_front();
    check(MPI_Waitall(static_cast<int>(sum.requests.size()), sum.requests.data(), MPI_STATUSES_IGNORE), "MPI_Waitall");
    if (is_root()) {
      if (sum.type == MPI_DOUBLE)
        add_rank_order<double>(sum, size_);
      else
        add_rank_order<float>(sum, size_);
    }
    check(MPI_Bcast(sum.values, sum.count, sum.type, 0, MPI_COMM_WORLD), "MPI_Bcast");
  }
}

void Communicator::all_reduce_sum(std::span<double> values) {
  start_sum(values, kBlockingTag);
  finish_sums();
}
void Communicator::all_reduce_sum(std::span<float> values) {
  start_sum(values, kBlockingTag);
  finish_sums();
}

void Communicator::broadcast(std::span<std::byte> bytes, int root) {
  if (!distributed()) return;
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) throw ValueError("broadcast: a buffer over 2 GiB");
  check(MPI_Bcast(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
}

void Communicator::barrier() {
  if (distributed()) check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
}

void Communicator::require_same(uint64_t value, const std::string& what) {
  if (!distributed()) return;
  std::vector<uint64_t> values(static_cast<std::size_t>(size_));
  check(MPI_Allgather(&value, 1, MPI_UINT64_T, values.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD), "MPI_Allgather");
  for (int r = 1; r < size_; ++r)
    if (values[static_cast<std::size_t>(r)] != values[0])
      throw CollectiveError(what + " differs between ranks (rank " + std::to_string(r) +
                            "'s differs from rank 0's): start every rank with the same binary and flags");
}

void Communicator::agree(const std::optional<std::string>& error) {
  if (!distributed()) {
    if (error) throw CollectiveError(*error);
    return;
  }
  const int failed = error ? 1 : 0;
  std::vector<int> failures(static_cast<std::size_t>(size_));
  check(MPI_Allgather(&failed, 1, MPI_INT, failures.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
  int first = 0;
  while (first < size_ && failures[static_cast<std::size_t>(first)] == 0) ++first;
  if (first == size_) return;
  int length = error && rank_ == first ? static_cast<int>(error->size()) : 0;
  check(MPI_Bcast(&length, 1, MPI_INT, first, MPI_COMM_WORLD), "MPI_Bcast");
  std::string message(static_cast<std::size_t>(length), '\0');
  if (rank_ == first) message = *error;
  check(MPI_Bcast(message.data(), length, MPI_CHAR, first, MPI_COMM_WORLD), "MPI_Bcast");
  throw CollectiveError("rank " + std::to_string(first) + ": " + message);
}

void Communicator::abort(int code) {
  if (distributed()) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

#else  // one process: every collective leaves the values as they are

Session::Session(int&, char**&) {
  if (launched_by_mpirun())
    throw Error(
        "this descent was built without MPI; install Open MPI (libopenmpi-dev) and rebuild to run under mpirun");
}
Session::~Session() = default;

void Communicator::start_sum(std::span<double>, int) {}
void Communicator::start_sum(std::span<float>, int) {}
void Communicator::finish_sums() {}
void Communicator::all_reduce_sum(std::span<double>) {}
void Communicator::all_reduce_sum(std::span<float>) {}
void Communicator::broadcast(std::span<std::byte>, int) {}
void Communicator::barrier() {}
void Communicator::require_same(uint64_t, const std::string&) {}
void Communicator::agree(const std::optional<std::string>& error) {
  if (error) throw CollectiveError(*error);
}
void Communicator::abort(int code) { std::exit(code); }

#endif

}  // namespace descent::dist
