// The run's communicator for main's lifetime (the only process-wide MPI state: MPI_Init in
// the constructor, MPI_Finalize in the destructor). Which communicator: the first row of a
// table (runtime.cpp) whose launcher says it started this process - "mpi" (built only with
// MPI) when mpirun/mpiexec launched it, else "single". So `npulab ...` without mpirun never
// touches MPI and behaves as a build without it.
#pragma once
#include <memory>

#include "dist/comm.h"

namespace npulab::dist {

class Runtime {
 public:
  Runtime(int& argc, char**& argv);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;
  Comm& comm() { return *comm_; }

 private:
  std::unique_ptr<Comm> comm_;
};

// How many processes the launcher started (its environment), 0 when none did.
int launcher_world_size();
// Whether this binary was built with MPI.
bool built_with_mpi();

}  // namespace npulab::dist
