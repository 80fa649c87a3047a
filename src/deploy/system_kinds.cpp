#include <fmt/format.h>

#include <toml++/toml.h>

#include "common/error.h"
#include "deploy/system_kind.h"
#include "serve/stack_perf_model.h"

namespace npulab::deploy {

std::span<const SystemKind> system_kinds() {
  static const SystemKind kinds[] = {chip_system_kind(), gpu_system_kind(), multichip_system_kind()};
  return kinds;
}

bool file_has_table(const std::string& file, const char* table, const char* key) {
  try {
    const toml::table t = toml::parse_file(file);
    if (!t[table].is_table()) return false;
    return !key || t[table][key];
  } catch (const toml::parse_error&) {
    return false;  // the kind's own loader reports the syntax error when it is chosen
  }
}

const SystemKind* find_system_kind(const std::string& system, const arch::ChipSearchPath& path) {
  for (const SystemKind& k : system_kinds())
    if (k.claims(system, path)) return &k;
  return nullptr;
}

namespace {

std::string count_of(const SystemKind& k, int64_t n) {
  return fmt::format("{} {}{}", n, std::string(k.family) == "gpu" ? "GPU" : "chip", n == 1 ? "" : "s");
}

// What the kind must support for the layout asked: pipeline stages, micro-batches with them,
// replicas the system's `whole` devices can give at least one device each.
void check_layout(const SystemKind& k, const std::string& system, const DeploySpec& s, int64_t whole) {
  if (s.pp != 1 && !k.pipelines)
    fail("--pp {}: pipeline parallelism is modelled across the chips of multi-chip systems (hw/systems files with "
         "chip = ..., e.g. trn2.48xlarge); '{}' is one of the {}",
         s.pp, system, k.what);
  if (s.micro_batches != 0 && s.pp == 1)
    fail("--micro-batches {}: micro-batches split a step over pipeline stages; give --pp", s.micro_batches);
  if (s.virtual_engines != 0 && s.pp == 1)
    fail("--virtual-engines {}: virtual engines share a pipeline's stages; give --pp", s.virtual_engines);
  if (s.dp < 0) fail("--dp {}: expected 0 (as many replicas as the system holds) or a number of replicas", s.dp);
  if (s.dp > whole)
    fail("--dp {}: system '{}' has {}, fewer than one per replica{}", s.dp, system, count_of(k, whole),
         whole == 1 ? " (a chip holds one replica; replicas need a multi-chip system such as trn2.48xlarge)" : "");
}

// Data parallelism (docs/SERVING.md, "Data parallelism"): `m` is one replica as the kind
// deployed it; the run is s.dp of them (0: as many as the system's `whole` devices hold),
// each on its own devices, and occupies them all.
void place_replicas(SystemModel& m, const SystemKind& k, const std::string& system, const DeploySpec& s,
                    int64_t whole) {
  const int64_t per = m.devices;
  m.system_devices = whole;
  m.dp = s.dp > 0 ? s.dp : std::max<int64_t>(1, whole / per);
  if (m.dp * per > whole)
    fail("--dp {} --tp {}: {} replicas of TP{} on {} each need {}; system '{}' has {} (at most --dp {} at this "
         "--tp, or a smaller --tp)",
         m.dp, s.tp > 0 ? fmt::format("{}", s.tp) : fmt::format("(default, {})", m.tp), m.dp,
         m.pp > 1 ? fmt::format("{} x PP{}", m.tp, m.pp) : fmt::format("{}", m.tp), count_of(k, per),
         count_of(k, m.dp * per), system, whole, whole / per);
  m.devices = m.dp * per;
}

}  // namespace

std::vector<std::unique_ptr<serve::TimingBackend>> engine_backends(const SystemModel& m) {
  std::vector<std::unique_ptr<serve::TimingBackend>> b;
  for (int64_t r = 0; r < m.dp; ++r)
    for (int64_t v = 0; v < m.virtual_engines; ++v) b.push_back(std::make_unique<serve::TimingBackend>(*m.perf, r));
  return b;
}

std::vector<serve::StepBackend*> backend_ptrs(const std::vector<std::unique_ptr<serve::TimingBackend>>& b) {
  std::vector<serve::StepBackend*> p;
  for (const auto& x : b) p.push_back(x.get());
  return p;
}

SystemModel make_system_model(const std::string& system, const DeploySpec& spec, const arch::ChipSearchPath& path) {
  if (system.empty()) fail("--system: expected a system name or hw file path, got an empty string");
  const SystemKind* k = find_system_kind(system, path);
  if (!k) {
    std::string known;
    for (const SystemKind& s : system_kinds())
      known += fmt::format("\n  {}: {}", s.what, fmt::join(s.names(path), ", "));
    fail("--system '{}': no such system; known systems:{}\n  (searched {})", system, known, path.describe());
  }
  DeploySpec s = spec;
  std::optional<arch::ServingStack> stack;
  if (s.stack != "none") stack = arch::load_stack_by_name(s.stack.empty() ? k->default_stack : s.stack, path);
  const bool chunked = !stack || stack->chunked_prefill;
  s.fp8_kv_cache = stack && stack->fp8_kv_cache;
  if (s.max_batched_tokens <= 0) s.max_batched_tokens = stack ? stack->max_num_batched_tokens : 512;
  if (!chunked) s.max_batched_tokens = std::max(s.max_batched_tokens, s.max_context);
  const int64_t whole = k->occupies(system, path).devices;
  check_layout(*k, system, s, whole);
  SystemModel m = k->deploy(system, s, path);
  place_replicas(m, *k, system, s, whole);
  m.system = system;
  m.kind = k->name;
  m.family = k->family;
  m.chunked_prefill = chunked;
  m.max_num_batched_tokens = s.max_batched_tokens;
  if (stack) {
    m.perf = std::make_unique<serve::StackPerfModel>(std::move(m.perf), *stack, s.max_batch);
    m.stack = std::move(stack);
  }
  return m;
}

}  // namespace npulab::deploy
