// Timeline trace in Chrome trace-event JSON (opens in Perfetto / chrome://tracing):
// one process per core, one named thread (track) per engine and per DMA queue, one
// complete event ("ph":"X") per executed instruction with its opcode as the name and its
// assembly text, bytes and FLOPs as arguments. Events are recorded as small PODs during
// the run and streamed to the file at the end (no JSON objects in the hot loop).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "isa/instr.h"

namespace npulab::sim::trace {

struct Event {
  uint32_t core = 0;
  uint32_t stream = 0;
  uint32_t pc = 0;
  int64_t start_ps = 0;
  int64_t dur_ps = 0;
  uint64_t bytes = 0;   // DMA: bytes moved; others: 0
  double flops = 0;
};

class ChromeTrace {
 public:
  void reserve(size_t n) { events_.reserve(n); }
  void add(const Event& e) { events_.push_back(e); }
  size_t size() const { return events_.size(); }
  // Writes the JSON file; throws npulab::Error if it cannot be written.
  void write(const std::string& path, const isa::Executable& exe) const;

 private:
  std::vector<Event> events_;
};

}  // namespace npulab::sim::trace
