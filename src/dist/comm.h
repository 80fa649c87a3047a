// The processes of one npulab run and the byte-level collectives between them (docs/SYSTEMS.md,
// "One run over MPI ranks"). A run is R processes ("ranks"); without mpirun it is one, and
// every operation is a copy. Everything above this layer speaks bytes through this interface,
// so the same code runs single-process and over MPI; which implementation a process gets is
// decided once, by dist::Runtime (dist/runtime.h), for main's lifetime.
//
// Every operation is collective: all ranks call it, in the same order (as MPI requires).
#pragma once
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace npulab::dist {

using Bytes = std::vector<uint8_t>;

class Comm {
 public:
  virtual ~Comm() = default;
  virtual std::string_view name() const = 0;  // "single", "mpi"
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual void barrier() = 0;
  // Every rank's bytes, in rank order, on every rank.
  virtual std::vector<Bytes> all_gather(const Bytes& mine) = 0;
  // Every rank's bytes in rank order on `root`; the other ranks get an empty list.
  virtual std::vector<Bytes> gather(const Bytes& mine, int root) = 0;
  // to[r] goes to rank r (to.size() == size()); returns what each rank sent this one.
  virtual std::vector<Bytes> all_to_all(const std::vector<Bytes>& to) = 0;
  // Ends every rank of the run now (an error on one rank must not leave the others waiting
  // in a collective): exits the process.
  [[noreturn]] virtual void abort(int code) = 0;

  bool root() const { return rank() == 0; }
};

// The communicator of a one-process run (rank 0 of 1); dist::Runtime's default.
std::unique_ptr<Comm> make_single_comm();

// Reductions of one number over every rank (exact: max, min and integer sums do not depend
// on the order ranks are combined in).
double all_max(Comm& c, double v);
double all_min(Comm& c, double v);
uint64_t all_sum(Comm& c, uint64_t v);

}  // namespace npulab::dist
