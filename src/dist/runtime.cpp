#include "dist/runtime.h"

#include <cstdlib>
#include <string>

#include "common/error.h"

namespace npulab::dist {

#ifdef NPULAB_HAVE_MPI
std::unique_ptr<Comm> make_mpi_comm(int& argc, char**& argv);
#endif

namespace {

// The world size that mpirun (OpenMPI), a PMI launcher (MPICH's hydra, Slurm) or PMIx tell
// their processes; the first variable set wins.
constexpr const char* kWorldSizeVars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"};

bool launched_by_mpi(int&, char**&) { return launcher_world_size() > 0; }
bool always(int&, char**&) { return true; }
std::unique_ptr<Comm> single(int&, char**&) { return make_single_comm(); }

struct Backend {
  const char* name;
  bool (*launched)(int&, char**&);
  std::unique_ptr<Comm> (*make)(int&, char**&);
};
constexpr Backend kBackends[] = {
#ifdef NPULAB_HAVE_MPI
    {"mpi", launched_by_mpi, make_mpi_comm},
#endif
    {"single", always, single},
};

}  // namespace

int launcher_world_size() {
  for (const char* v : kWorldSizeVars)
    if (const char* s = std::getenv(v); s && *s) return std::atoi(s);
  return 0;
}

bool built_with_mpi() {
#ifdef NPULAB_HAVE_MPI
  return true;
#else
  return false;
#endif
}

Runtime::Runtime(int& argc, char**& argv) {
  for (const Backend& b : kBackends)
    if (b.launched(argc, argv)) {
      comm_ = b.make(argc, argv);
      break;
    }
  // A launcher that started several processes of a build without MPI would run the same
  // simulation R times, each printing it: refuse instead.
  if (comm_->size() == 1 && launcher_world_size() > 1)
    fail("launched as {} processes (mpirun -n {}), but this npulab was built without MPI "
         "(configure with MPI installed and -DNPULAB_MPI=ON): run it without mpirun",
         launcher_world_size(), launcher_world_size());
}

Runtime::~Runtime() = default;

}  // namespace npulab::dist
