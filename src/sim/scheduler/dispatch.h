// Per-opcode function tables generated from isa/opcodes.def (X-macro): the scheduler
// calls semantics, timing-only hooks and costs through plain function pointers, no
// per-op branching.
#pragma once
#include "sim/cost.h"
#include "sim/semantics.h"

namespace npulab::sim {

using SemFn = void (*)(const isa::Instr&, ExecCtx&);
using CostFn = Cost (*)(const isa::Instr&, CostCtx&);

inline constexpr SemFn kSemTable[] = {
#define OP(name, ...) &sem_##name,
#include "isa/opcodes.def"
#undef OP
};
// What a data op does in timing-only mode: its row's HOOK, or nothing (null).
inline constexpr SemFn kTimingHookTable[] = {
#define HOOK(h) &timing_##h
#define NO_HOOK nullptr
#define OP(name, kind, engines, operands, fields, flags, traits, verifier, timing) timing,
#include "isa/opcodes.def"
#undef OP
#undef HOOK
#undef NO_HOOK
};
inline constexpr CostFn kCostTable[] = {
#define OP(name, ...) &cost_##name,
#include "isa/opcodes.def"
#undef OP
};
static_assert(sizeof(kSemTable) / sizeof(kSemTable[0]) == size_t(isa::Opcode::kCount));
static_assert(sizeof(kTimingHookTable) / sizeof(kTimingHookTable[0]) == size_t(isa::Opcode::kCount));
static_assert(sizeof(kCostTable) / sizeof(kCostTable[0]) == size_t(isa::Opcode::kCount));

}  // namespace npulab::sim
