// Memory-bound kernels and the all-reduce (docs/GPU.md, "Memory-bound kernels", "All-reduce").
#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "gpu/op_model.h"

namespace npulab::gpu {
namespace {

double efficiency(const arch::GpuCalibration::MemoryBound& p, OpKind kind) {
  switch (kind) {
    case OpKind::Norm: return p.norm_efficiency;
    case OpKind::Add: return p.add_efficiency;
    case OpKind::Rope: return p.rope_efficiency;
    case OpKind::Act: return p.act_efficiency;
    case OpKind::Embedding: return p.embedding_efficiency;
    default: fail("internal error: {} is not a memory-bound kernel", op_kind_name(kind));
  }
}

}  // namespace

double memory_kernel_ns(const GpuModel& g, OpKind kind, double bytes, int64_t rows, double row_bytes) {
  if (rows <= 0) return 0;
  const auto& p = g.cal.memory;
  const double streamed = bytes / (g.gpu.hbm_bytes_per_s() * efficiency(p, kind));
  // One thread block per row: a grid of few rows leaves most SMs idle, and a block alone
  // streams only block_gbps (its own latency-bound loads).
  const double waves = std::ceil(double(rows) / double(g.gpu.sms));
  const double per_block = waves * row_bytes / (p.block_gbps * 1e9);
  return p.launch_us * 1e3 + std::max(streamed, per_block) * 1e9;
}

double allreduce_ns(const GpuModel& g, double bytes, int64_t gpus) {
  if (gpus <= 1 || bytes <= 0) return 0;
  const auto& p = g.cal.allreduce;
  const double n = double(gpus);
  // Ring / NVSwitch all-reduce: each GPU sends and receives 2 (n - 1) / n of the buffer.
  const double wire = 2 * (n - 1) / n * bytes / (g.gpu.nvlink_unidirectional_bytes_per_s() * p.bus_efficiency);
  return (p.latency_us + (n - 2) * p.latency_per_gpu_us) * 1e3 + wire * 1e9;
}

double op_ns(const GpuModel& g, const Op& op, DType weight, DType act) {
  switch (op.kind) {
    case OpKind::Gemm: return double(op.count) * gemm_ns(g, op.m, op.n, op.k, weight, act);
    case OpKind::AllReduce: return double(op.count) * allreduce_ns(g, op.bytes, op.gpus);
    default: return double(op.count) * memory_kernel_ns(g, op.kind, op.bytes, op.rows, op.row_bytes);
  }
}

}  // namespace npulab::gpu
