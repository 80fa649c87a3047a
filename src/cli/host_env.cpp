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

std::string cache_dir_from_env() {
  if (const char* e = std::getenv("NPULAB_CACHE_DIR"); e && *e) return e;
  if (const char* e = std::getenv("XDG_CACHE_HOME"); e && *e) return std::string(e) + "/npulab";
  if (const char* e = std::getenv("HOME"); e && *e) return std::string(e) + "/.cache/npulab";
  return "";
}

}  // namespace npulab::cli
