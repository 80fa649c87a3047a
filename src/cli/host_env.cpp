#include "cli/host_env.h"

#include <cstdlib>
#include <cstring>

namespace npulab::cli {

sim::ChipOptions chip_options_from_env() {
  sim::ChipOptions o;
  const char* e = std::getenv("NPULAB_SIM_THREADS");
  o.helper_thread = !(e && std::strcmp(e, "1") == 0);
  return o;
}

}  // namespace npulab::cli
