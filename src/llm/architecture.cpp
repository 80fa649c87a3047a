// The architecture registry: every src/llm/arch/<name>.cpp, listed by CMake in the
// generated llm/arch_list.inc (one NPULAB_ARCH(<name>) line per file). The table refers
// to each object, so none is dropped by the linker, and it never changes after start-up.
#include "llm/architecture.h"

#include <algorithm>
#include <array>

namespace npulab::llm {

namespace families {
#define NPULAB_ARCH(n) extern const Architecture n;
#include "llm/arch_list.inc"
#undef NPULAB_ARCH
}  // namespace families

namespace {

constexpr std::array kListed{
#define NPULAB_ARCH(n) &families::n,
#include "llm/arch_list.inc"
#undef NPULAB_ARCH
};

// Sorted by name once, on first use (the file list is sorted by file name, which is the
// architecture's name by convention, but nothing relies on that).
const std::array<const Architecture*, kListed.size()>& table() {
  static const auto sorted = [] {
    auto t = kListed;
    std::sort(t.begin(), t.end(), [](const Architecture* a, const Architecture* b) { return a->name < b->name; });
    return t;
  }();
  return sorted;
}

}  // namespace

std::span<const Architecture* const> architectures() { return table(); }

std::string architecture_names() {
  std::string s;
  for (const Architecture* a : table()) s += std::string(s.empty() ? "" : ", ") + std::string(a->name);
  return s;
}

const Architecture* find_architecture(std::string_view name) {
  for (const Architecture* a : table())
    if (a->name == name) return a;
  return nullptr;
}

const Architecture* find_hf_model_type(std::string_view model_type) {
  for (const Architecture* a : table())
    if (a->hf_model_type == model_type) return a;
  return nullptr;
}

const Architecture* find_hf_class(std::string_view hf_class) {
  for (const Architecture* a : table())
    if (a->hf_class == hf_class) return a;
  return nullptr;
}

const Architecture* find_gguf_architecture(std::string_view general_architecture, bool has_experts) {
  for (const Architecture* a : table())
    if (!a->gguf_name.empty() && a->gguf_name == general_architecture && a->is_moe() == has_experts) return a;
  return nullptr;
}

}  // namespace npulab::llm
