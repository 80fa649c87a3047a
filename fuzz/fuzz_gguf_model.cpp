// libFuzzer target: the GGUF *model* loader (llm::load_gguf) on arbitrary bytes — beyond the
// container parser (fuzz_gguf): architecture and hyperparameters from metadata, tensor-name
// mapping, the llama.cpp Q/K permutation, MoE stacked-expert splitting, and the
// config-vs-tensor shape checks. Any input must load or throw npulab::Error. The bytes go to
// an in-memory file (memfd) because the loader memory-maps a path, as it does for users.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/error.h"
#include "llm/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const int fd = memfd_create("fuzz_gguf_model", 0);
  if (fd < 0) return 0;
  size_t done = 0;
  while (done < size) {
    const ssize_t n = write(fd, data + done, size - done);
    if (n <= 0) break;
    done += size_t(n);
  }
  if (done == size) {
    try {
      npulab::llm::Model m = npulab::llm::load_gguf("/proc/self/fd/" + std::to_string(fd));
      (void)m;
    } catch (const npulab::Error&) {
    }
  }
  close(fd);
  return 0;
}
