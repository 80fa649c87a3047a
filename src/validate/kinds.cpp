#include "validate/kinds.h"

namespace npulab::validate {

std::span<const CaseKind> case_kinds() {
  static const CaseKind kinds[] = {serving_kind(), kernel_kind(), collective_kind(), nccl_kind()};
  return kinds;
}

const CaseKind* find_case_kind(const std::string& name) {
  for (const CaseKind& k : case_kinds())
    if (name == k.name) return &k;
  return nullptr;
}

}  // namespace npulab::validate
