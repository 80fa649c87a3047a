// The communicator over MPI (compiled only where CMake found MPI: NPULAB_HAVE_MPI). One
// object per process for main's lifetime: MPI_Init in the constructor, MPI_Finalize in the
// destructor (dist::Runtime owns it), MPI_COMM_WORLD as the run. Variable-size collectives
// first exchange the sizes, then the bytes (MPI's counts are int: a message of 2 GiB or more
// per rank is an error here, not a wrapped count).
#include <mpi.h>

#include <chrono>
#include <climits>
#include <memory>
#include <thread>

#include "common/error.h"
#include "dist/comm.h"

namespace npulab::dist {
namespace {

int checked_count(uint64_t n, const char* what) {
  if (n > uint64_t(INT_MAX)) fail("{}: {} bytes from one rank, MPI's counts stop at {}", what, n, INT_MAX);
  return int(n);
}

// Displacements of concatenated pieces; fails past MPI's int.
std::vector<int> displacements(const std::vector<int>& counts, const char* what) {
  std::vector<int> at(counts.size(), 0);
  uint64_t sum = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    at[i] = checked_count(sum, what);
    sum += uint64_t(counts[i]);
  }
  checked_count(sum, what);
  return at;
}

std::vector<Bytes> split(const Bytes& all, const std::vector<int>& counts, const std::vector<int>& at) {
  std::vector<Bytes> out(counts.size());
  for (size_t i = 0; i < counts.size(); ++i) out[i].assign(all.begin() + at[i], all.begin() + at[i] + counts[i]);
  return out;
}

class MpiComm final : public Comm {
 public:
  MpiComm(int& argc, char**& argv) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiComm() override { MPI_Finalize(); }
  std::string_view name() const override { return "mpi"; }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void barrier() override { MPI_Barrier(MPI_COMM_WORLD); }

  std::vector<Bytes> all_gather(const Bytes& mine) override {
    int n = checked_count(mine.size(), "all-gather");
    std::vector<int> counts(size_);
    MPI_Allgather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
    const std::vector<int> at = displacements(counts, "all-gather");
    Bytes all(size_t(at.back()) + size_t(counts.back()));
    MPI_Allgatherv(mine.data(), n, MPI_BYTE, all.data(), counts.data(), at.data(), MPI_BYTE, MPI_COMM_WORLD);
    return split(all, counts, at);
  }

  std::vector<Bytes> gather(const Bytes& mine, int root) override {
    wait_for_all();
    int n = checked_count(mine.size(), "gather");
    std::vector<int> counts(size_);
    MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, root, MPI_COMM_WORLD);
    if (rank_ != root) {
      MPI_Gatherv(mine.data(), n, MPI_BYTE, nullptr, nullptr, nullptr, MPI_BYTE, root, MPI_COMM_WORLD);
      return {};
    }
    const std::vector<int> at = displacements(counts, "gather");
    Bytes all(size_t(at.back()) + size_t(counts.back()));
    MPI_Gatherv(mine.data(), n, MPI_BYTE, all.data(), counts.data(), at.data(), MPI_BYTE, root, MPI_COMM_WORLD);
    return split(all, counts, at);
  }

  std::vector<Bytes> all_to_all(const std::vector<Bytes>& to) override {
    if (int(to.size()) != size_) fail("internal: all_to_all with {} destinations on {} ranks", to.size(), size_);
    std::vector<int> send_counts(size_), recv_counts(size_);
    Bytes out;
    for (int r = 0; r < size_; ++r) {
      send_counts[r] = checked_count(to[r].size(), "all-to-all");
      out.insert(out.end(), to[r].begin(), to[r].end());
    }
    MPI_Alltoall(send_counts.data(), 1, MPI_INT, recv_counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
    const std::vector<int> send_at = displacements(send_counts, "all-to-all");
    const std::vector<int> recv_at = displacements(recv_counts, "all-to-all");
    Bytes in(size_t(recv_at.back()) + size_t(recv_counts.back()));
    MPI_Alltoallv(out.data(), send_counts.data(), send_at.data(), MPI_BYTE, in.data(), recv_counts.data(),
                  recv_at.data(), MPI_BYTE, MPI_COMM_WORLD);
    return split(in, recv_counts, recv_at);
  }

  [[noreturn]] void abort(int code) override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);  // MPI_Abort does not return; this keeps the promise if it ever did
  }

 private:
  // Waits until every rank has arrived, sleeping between polls: MPI's blocking collectives
  // spin, and a rank done early with its share of a sweep would take a core from those still
  // running theirs (ranks outnumber cores when oversubscribed). Only before gather, which
  // ends a sweep: the simulation's frequent small exchanges keep MPI's low-latency wait.
  void wait_for_all() {
    MPI_Request req;
    MPI_Ibarrier(MPI_COMM_WORLD, &req);
    int done = 0;
    for (MPI_Test(&req, &done, MPI_STATUS_IGNORE); !done; MPI_Test(&req, &done, MPI_STATUS_IGNORE))
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  int rank_ = 0, size_ = 1;
};

}  // namespace

std::unique_ptr<Comm> make_mpi_comm(int& argc, char**& argv) { return std::make_unique<MpiComm>(argc, argv); }

}  // namespace npulab::dist
