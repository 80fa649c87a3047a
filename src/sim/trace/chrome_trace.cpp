// Chrome trace JSON writer (see chrome_trace.h). Timestamps are microseconds with
// picosecond precision (6 decimals); the file declares displayTimeUnit "ns".
#include "sim/trace/chrome_trace.h"

#include <fmt/format.h>

#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "common/error.h"
#include "isa/asm.h"
#include "isa/opcode_table.h"

namespace npulab::sim::trace {

namespace {

std::string json_string(const std::string& s) { return nlohmann::json(s).dump(); }

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};

}  // namespace

void ChromeTrace::write(const std::string& path, const isa::Executable& exe) const {
  std::unique_ptr<FILE, FileCloser> f(std::fopen(path.c_str(), "wb"));
  if (!f) fail("trace: cannot open '{}' for writing", path);
  fmt::memory_buffer out;
  auto flush = [&] {
    if (out.size() && std::fwrite(out.data(), 1, out.size(), f.get()) != out.size())
      fail("trace: write to '{}' failed", path);
    out.clear();
  };
  fmt::format_to(std::back_inserter(out),
                 "{{\"displayTimeUnit\":\"ns\",\"otherData\":{{\"program\":{}}},"
                 "\"traceEvents\":[\n",
                 json_string(exe.name));
  // Track names: every stream that has instructions, whether or not it ran.
  bool first = true;
  auto sep = [&] {
    if (!first) out.push_back(',');
    first = false;
  };
  for (size_t c = 0; c < exe.cores.size(); ++c) {
    sep();
    fmt::format_to(std::back_inserter(out),
                   "{{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":{},\"tid\":0,"
                   "\"args\":{{\"name\":\"core{}\"}}}}\n",
                   c, c);
    for (size_t s = 0; s < exe.cores[c].streams.size(); ++s) {
      if (exe.cores[c].streams[s].empty()) continue;
      sep();
      fmt::format_to(std::back_inserter(out),
                     "{{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":{},\"tid\":{},"
                     "\"args\":{{\"name\":\"{}\"}}}}\n",
                     c, s, isa::stream_name(uint32_t(s)));
      sep();
      fmt::format_to(std::back_inserter(out),
                     "{{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":{},\"tid\":{},"
                     "\"args\":{{\"sort_index\":{}}}}}\n",
                     c, s, s);
    }
  }
  // Assembly text once per static instruction (loops re-execute the same ones).
  std::map<std::tuple<uint32_t, uint32_t, uint32_t>, std::string> text;
  for (const Event& e : events_) {
    const isa::Instr& in = exe.cores[e.core].streams[e.stream][e.pc];
    auto [it, fresh] = text.try_emplace({e.core, e.stream, e.pc});
    if (fresh) it->second = json_string(isa::to_text(in));
    sep();
    fmt::format_to(std::back_inserter(out),
                   "{{\"ph\":\"X\",\"pid\":{},\"tid\":{},\"ts\":{:.6f},\"dur\":{:.6f},"
                   "\"name\":\"{}\",\"args\":{{\"pc\":{},\"asm\":{},\"bytes\":{},\"flops\":{}}}}}\n",
                   e.core, e.stream, double(e.start_ps) * 1e-6, double(e.dur_ps) * 1e-6,
                   isa::op_info(in.op).name, e.pc, it->second, e.bytes, e.flops);
    if (out.size() > (1u << 20)) flush();
  }
  fmt::format_to(std::back_inserter(out), "]}}\n");
  flush();
}

}  // namespace npulab::sim::trace
