// Host references used by `npulab kernel` to verify a simulated kernel (double math on
// the inputs as the chip saw them, i.e. already rounded to their dtype). The kernel unit
// tests compare against committed numpy fixtures (tests/kernels/fixtures) instead; the
// collectives' tests use ref::collective, the plain definitions.
#pragma once
#include <cstdint>
#include <vector>

#include "isa/instr.h"

namespace npulab::kernels::ref {

// One element of C = A @ B with A [M, K] row-major (a_km: A stored as [K, M]), B [K, N].
// Also returns sum_k |a*b|, the scale of FP32 accumulation error.
double gemm_element(const std::vector<float>& a, const std::vector<float>& b, uint64_t M, uint64_t N, uint64_t K,
                    bool a_km, uint64_t m, uint64_t n, double* sum_abs);

std::vector<double> softmax(const std::vector<float>& x, uint64_t rows, uint64_t cols);
std::vector<double> rmsnorm(const std::vector<float>& x, const std::vector<float>& g, uint64_t rows, uint64_t cols,
                            double eps);
std::vector<double> layernorm(const std::vector<float>& x, const std::vector<float>& g, const std::vector<float>& bta,
                              uint64_t rows, uint64_t cols, double eps);
double act(isa::ActFunc f, double x);

// What rank `rank` of a collective (op: all_reduce, all_gather, reduce_scatter or
// all_to_all) holds in its destination, from every rank's source `x[r]` (values as the chip
// holds them): reductions (alu add, max, min) in FP32 in ascending rank order, rounded
// once to `t`; the others move values unchanged. The definitions, written plainly.
std::vector<float> collective(isa::Opcode op, isa::AluOp alu, DType t, const std::vector<std::vector<float>>& x,
                              uint32_t rank);

struct Compare {
  uint64_t checked = 0, bad = 0;
  double max_abs = 0, max_rel = 0;  // max |got-want| and max |got-want|/|want| (want != 0)
  void add(double got, double want, double tol);
  bool ok() const { return bad == 0 && checked > 0; }
};

// The Mamba selective scan (kernels/mamba.h) in float64: out [batch * channels, seq].
std::vector<double> mamba(const std::vector<float>& delta, const std::vector<float>& u, const std::vector<float>& A,
                          const std::vector<float>& B, const std::vector<float>& C, uint64_t batch, uint64_t channels,
                          uint64_t seq, uint64_t state);

}  // namespace npulab::kernels::ref
