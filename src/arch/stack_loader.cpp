// load_stack (arch/stack.h), as strictly as the chips (arch/toml_reader.h).
#include <fmt/format.h>

#include "arch/stack.h"
#include "arch/toml_reader.h"
#include "common/error.h"

namespace npulab::arch {
namespace {

constexpr const char* kStackDir = "stacks";

}  // namespace

ServingStack load_stack_from_string(std::string_view text, const std::string& path) {
  const toml::table root = parse_hw_text(text, path);
  check_top_level(path, root, {"stack", "scheduler", "padding", "overheads"});
  ServingStack s;
  s.source_file = path;
  {
    TomlTableReader r(path, root, "stack");
    s.name = r.string("name");
    s.description = r.string("description");
    s.serves = r.string("serves");
    r.finish();
    if (s.serves != "chip" && s.serves != "gpu-system")
      fail("{}: expected \"chip\" or \"gpu-system\", got \"{}\"", r.where("serves"), s.serves);
  }
  {
    TomlTableReader r(path, root, "scheduler");
    s.chunked_prefill = r.boolean("chunked_prefill");
    s.fp8_kv_cache = r.boolean("fp8_kv_cache");
    s.max_num_batched_tokens = int64_t(r.u64("max_num_batched_tokens"));
    r.finish();
  }
  {
    TomlTableReader r(path, root, "padding");
    s.pad_to_max_batch = r.boolean("pad_to_max_batch");
    s.decode_batch_sizes = r.ascending_ints("decode_batch_sizes");
    s.prefill_buckets = r.ascending_ints("prefill_buckets");
    s.decode_context_buckets = r.ascending_ints("decode_context_buckets");
    r.finish();
    if (s.pad_to_max_batch && !s.decode_batch_sizes.empty())
      fail("{}: give either pad_to_max_batch = true or decode_batch_sizes, not both", r.where("decode_batch_sizes"));
  }
  {
    TomlTableReader r(path, root, "overheads");
    s.step_overhead_us = r.real("step_overhead_us");
    s.step_overhead_source = r.string("step_overhead_source");
    r.finish();
  }
  return s;
}

ServingStack load_stack(const std::string& path) { return load_stack_from_string(read_hw_file(path), path); }

ServingStack load_stack_by_name(const std::string& name_or_path, const ChipSearchPath& path) {
  return load_stack(resolve_hw_file("serving stack", name_or_path, path, kStackDir));
}

std::vector<std::string> stack_names(const ChipSearchPath& path) { return hw_names(path, kStackDir); }

}  // namespace npulab::arch
