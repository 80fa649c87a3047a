// Host matmul kernels (contract in matmul_f32.h).
//
// The AVX2 kernel is a classic register-blocked GEMM micro-kernel: a block of 6 output
// rows x 16 output columns lives in 12 ymm accumulators for the whole k loop, so each
// output still gets exactly one k-ordered chain of fused multiply-adds starting at +0
// (_mm256_fmadd_ps rounds once per step, exactly like std::fmaf). Operands are packed
// once per call in one pass over the rows, decoding BF16 on the way: B into 16-column
// panels [K][16] (zero padded), each of which stays in L1 while every 6-row block of A
// ([K][6], zero padded) streams past it.
// Padding only feeds columns/rows that are never stored, so it cannot change a stored
// result. M = 6q + 1 or 6q + 2 ends with 4-row blocks instead of a 1- or 2-row block,
// whose few independent accumulators would leave the FMA units waiting on latency.
//
// Narrow moving tiles (N < 8, e.g. one token's activations in LLM decode) would waste most
// of a 16-column panel, so they use a second kernel that vectorises over m instead: A is
// read in place (row k is contiguous in m) and B[k][n] is broadcast. Few rows (M <= 6,
// e.g. a token's activations as the stationary against a weight matrix) use a third that
// streams B in place, since packing B would cost as much as using it once. Each keeps one
// fma chain per output in k order.
#include "sim/kernels_host/matmul_f32.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common/error.h"
#include "numerics/dtype.h"
#include "sim/kernels_host/helper_thread.h"

namespace npulab::sim::host {
namespace {

constexpr int kMR = 6;   // rows of C per micro-tile
constexpr int kNR = 16;  // columns of C per micro-tile (two ymm)
constexpr int kNarrowN = 8;  // N below this uses the narrow kernel
// Products of at least this many multiply-adds (~30 us) are split with the helper thread;
// smaller ones would spend a large part of that on the hand-off.
constexpr int64_t kSplitWork = int64_t(1) << 21;

inline float canon_nan(float x) {
  if (std::isnan(x)) {
    uint32_t q = 0x7FC00000u;
    std::memcpy(&x, &q, 4);
  }
  return x;
}

// Element (k, i) of a view, decoded exactly to FP32 (element type known at compile time).
template <MatElem E>
inline float at(const MatView& v, size_t k, size_t i) {
  const size_t j = k * v.ld + i;
  if constexpr (E == MatElem::BF16) return bf16_to_f32(static_cast<const uint16_t*>(v.data)[j]);
  else return static_cast<const float*>(v.data)[j];
}
inline float at(const MatView& v, size_t k, size_t i) {
  return v.elem == MatElem::BF16 ? at<MatElem::BF16>(v, k, i) : at<MatElem::F32>(v, k, i);
}

// The reference definition, one output at a time. Used where AVX2+FMA is missing and
// as the oracle of the exactness test.
void matmul_scalar(const MatView& A, const MatView& B, float* C, size_t ldc, int M, int N, int K,
                   bool accumulate) {
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      float acc = 0.0f;
      for (int k = 0; k < K; ++k) acc = std::fmaf(at(A, k, m), at(B, k, n), acc);
      float& c = C[size_t(m) * ldc + n];
      c = canon_nan(accumulate ? c + acc : acc);
    }
}

struct PackBuffers {
  std::vector<float> a, b;
};
PackBuffers& pack_buffers() {
  thread_local PackBuffers p;
  return p;
}

__attribute__((target("avx2,fma"))) inline __m256 canon_nan8(__m256 v) {
  const __m256 qnan = _mm256_castsi256_ps(_mm256_set1_epi32(0x7FC00000));
  return _mm256_blendv_ps(v, qnan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
}

// 8 consecutive elements starting at p, decoded to FP32.
template <MatElem E>
__attribute__((target("avx2,fma"))) inline __m256 load8(const void* p) {
  if constexpr (E == MatElem::BF16) {
    const __m128i h = _mm_loadu_si128(static_cast<const __m128i*>(p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  } else {
    return _mm256_loadu_ps(static_cast<const float*>(p));
  }
}

template <MatElem E>
inline const void* elem_ptr(const MatView& v, size_t k, size_t i) {
  const size_t j = k * v.ld + i;
  if constexpr (E == MatElem::BF16) return static_cast<const uint16_t*>(v.data) + j;
  else return static_cast<const float*>(v.data) + j;
}

// C[0..MR) x [0..nv) (+)= Ap^T Bp, Ap packed [K][kMR], Bp packed [K][kNR].
template <int MR>
__attribute__((target("avx2,fma"))) void micro_avx2(const float* Ap, const float* Bp, int K,
                                                     float* C, size_t ldc, int nv, bool accumulate) {
  // Named accumulators (not arrays) so they stay in registers across the k loop; rows
  // beyond MR compile away.
  __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
  __m256 c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
  for (int k = 0; k < K; ++k) {
    const __m256 b0 = _mm256_load_ps(Bp + size_t(k) * kNR);
    const __m256 b1 = _mm256_load_ps(Bp + size_t(k) * kNR + 8);
    const float* a = Ap + size_t(k) * kMR;
#define NPULAB_ROW(r)                                \
  if constexpr (MR > r) {                            \
    const __m256 av = _mm256_broadcast_ss(a + r);    \
    c##r##0 = _mm256_fmadd_ps(av, b0, c##r##0);      \
    c##r##1 = _mm256_fmadd_ps(av, b1, c##r##1);      \
  }
    NPULAB_ROW(0) NPULAB_ROW(1) NPULAB_ROW(2) NPULAB_ROW(3) NPULAB_ROW(4) NPULAB_ROW(5)
#undef NPULAB_ROW
  }
  const __m256 c0[6] = {c00, c10, c20, c30, c40, c50}, c1[6] = {c01, c11, c21, c31, c41, c51};
  for (int r = 0; r < MR; ++r) {
    float* row = C + size_t(r) * ldc;
    if (nv == kNR) {
      __m256 v0 = c0[r], v1 = c1[r];
      if (accumulate) {
        v0 = _mm256_add_ps(_mm256_loadu_ps(row), v0);
        v1 = _mm256_add_ps(_mm256_loadu_ps(row + 8), v1);
      }
      _mm256_storeu_ps(row, canon_nan8(v0));
      _mm256_storeu_ps(row + 8, canon_nan8(v1));
    } else {
      alignas(32) float tmp[kNR];
      _mm256_store_ps(tmp, c0[r]);
      _mm256_store_ps(tmp + 8, c1[r]);
      for (int j = 0; j < nv; ++j) row[j] = canon_nan(accumulate ? row[j] + tmp[j] : tmp[j]);
    }
  }
}

// Row blocks of C: 6 rows each, but a last block of 1 or 2 rows is merged with the one
// before it and split as 4 + 3 or 4 + 4. Returns the number of blocks.
int row_blocks(int M, int* start, int* rows) {
  int n = 0, m0 = 0;
  const int tail = M % kMR;
  const int full = M / kMR - ((tail == 1 || tail == 2) && M > kMR ? 1 : 0);
  for (int i = 0; i < full; ++i, m0 += kMR) start[n] = m0, rows[n++] = kMR;
  for (int left = M - m0; left > 0;) {
    const int r = left > kMR ? 4 : left;
    start[n] = m0, rows[n++] = r;
    m0 += r;
    left -= r;
  }
  return n;
}

// Packs A into row blocks [K][kMR] (block i at Ap + i * K * kMR, zero padded) and B into
// 16-column panels [K][kNR] (panel j at Bp + j * panel_stride(K), zero padded), in one
// pass over the rows k. Row by row matters: SBUF partitions are a multiple of 4 KiB
// apart, so walking one column block down all rows would hit the same cache set every
// time; for the same reason panels are one cache line more than K * 64 bytes apart.
inline size_t panel_stride(int K) { return size_t(K) * kNR + kNR; }

template <MatElem EA, MatElem EB>
__attribute__((target("avx2,fma"))) void pack_all(const MatView& A, const MatView& B, int N, int K, int mblocks, const int* start, const int* rows,
                                                  float* Ap, float* Bp) {
  const int full_panels = N / kNR, tail = N % kNR;
  constexpr int kAhead = 6;  // rows prefetched ahead: rows are too short for the HW prefetcher
  const size_t a_bytes = size_t(start[mblocks - 1] + rows[mblocks - 1]) * (EA == MatElem::BF16 ? 2 : 4);
  const size_t b_bytes = size_t(N) * (EB == MatElem::BF16 ? 2 : 4);
  for (int k = 0; k < K; ++k) {
    if (k + kAhead < K) {
      const char* pa = static_cast<const char*>(elem_ptr<EA>(A, k + kAhead, 0));
      for (size_t o = 0; o < a_bytes; o += 64) _mm_prefetch(pa + o, _MM_HINT_T0);
      const char* pb = static_cast<const char*>(elem_ptr<EB>(B, k + kAhead, 0));
      for (size_t o = 0; o < b_bytes; o += 64) _mm_prefetch(pb + o, _MM_HINT_T0);
    }
    for (int i = 0; i < mblocks; ++i) {
      float* d = Ap + (size_t(i) * K + k) * kMR;
      for (int r = 0; r < kMR; ++r) d[r] = r < rows[i] ? at<EA>(A, k, size_t(start[i] + r)) : 0.0f;
    }
    for (int j = 0; j < full_panels; ++j) {
      float* d = Bp + size_t(j) * panel_stride(K) + size_t(k) * kNR;
      _mm256_store_ps(d, load8<EB>(elem_ptr<EB>(B, k, size_t(j) * kNR)));
      _mm256_store_ps(d + 8, load8<EB>(elem_ptr<EB>(B, k, size_t(j) * kNR + 8)));
    }
    if (tail) {
      float* d = Bp + size_t(full_panels) * panel_stride(K) + size_t(k) * kNR;
      for (int c = 0; c < kNR; ++c) d[c] = c < tail ? at<EB>(B, k, size_t(full_panels) * kNR + c) : 0.0f;
    }
  }
}

template <MatElem EA, MatElem EB>
__attribute__((target("avx2,fma"))) void matmul_avx2(const MatView& A, const MatView& B, float* C,
                                                     size_t ldc, int M, int N, int K, bool accumulate) {
  int bstart[64], brows[64];
  std::vector<int> big_start, big_rows;
  int* start = bstart;
  int* rows = brows;
  if (M / kMR + 2 > 64) {
    big_start.resize(M / kMR + 2), big_rows.resize(M / kMR + 2);
    start = big_start.data(), rows = big_rows.data();
  }
  const int mblocks = row_blocks(M, start, rows), npanels = (N + kNR - 1) / kNR;
  auto& pb = pack_buffers();
  // +8 floats so the panel base can be rounded up to 32-byte alignment.
  if (pb.a.size() < size_t(mblocks) * K * kMR) pb.a.resize(size_t(mblocks) * K * kMR);
  if (pb.b.size() < size_t(npanels) * panel_stride(K) + 8) pb.b.resize(size_t(npanels) * panel_stride(K) + 8);
  float* Bp = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(pb.b.data()) + 31) & ~uintptr_t(31));
  pack_all<EA, EB>(A, B, N, K, mblocks, start, rows, pb.a.data(), Bp);
  for (int j = 0; j < npanels; ++j) {
    const int n0 = j * kNR, nv = std::min(kNR, N - n0);
    const float* Bj = Bp + size_t(j) * panel_stride(K);
    for (int i = 0; i < mblocks; ++i) {
      const float* Ai = pb.a.data() + size_t(i) * K * kMR;
      float* Cb = C + size_t(start[i]) * ldc + n0;
      switch (rows[i]) {
        case 6: micro_avx2<6>(Ai, Bj, K, Cb, ldc, nv, accumulate); break;
        case 5: micro_avx2<5>(Ai, Bj, K, Cb, ldc, nv, accumulate); break;
        case 4: micro_avx2<4>(Ai, Bj, K, Cb, ldc, nv, accumulate); break;
        case 3: micro_avx2<3>(Ai, Bj, K, Cb, ldc, nv, accumulate); break;
        case 2: micro_avx2<2>(Ai, Bj, K, Cb, ldc, nv, accumulate); break;
        default: micro_avx2<1>(Ai, Bj, K, Cb, ldc, nv, accumulate); break;
      }
    }
  }
}

// Stores VM vectors of results for rows m0.. of column n: C[m][n] (+)= acc.
template <int VM>
__attribute__((target("avx2,fma"))) inline void store_col(const __m256* acc, float* C, size_t ldc,
                                                          int m0, int n, bool accumulate) {
  alignas(32) float tmp[8 * VM];
  for (int v = 0; v < VM; ++v) _mm256_store_ps(tmp + 8 * v, acc[v]);
  for (int i = 0; i < 8 * VM; ++i) {
    float& c = C[size_t(m0 + i) * ldc + n];
    c = canon_nan(accumulate ? c + tmp[i] : tmp[i]);
  }
}

// Narrow kernel: NC columns n0.. of C at once, VM vectors of 8 rows each, A read in place.
template <MatElem EA, MatElem EB, int NC, int VM>
__attribute__((target("avx2,fma"))) void narrow_block(const MatView& A, const MatView& B, float* C,
                                                      size_t ldc, int m0, int n0, int K, bool accumulate) {
  __m256 acc[NC][VM];
  for (int c = 0; c < NC; ++c)
    for (int v = 0; v < VM; ++v) acc[c][v] = _mm256_setzero_ps();
  for (int k = 0; k < K; ++k) {
    __m256 a[VM];
    for (int v = 0; v < VM; ++v) a[v] = load8<EA>(elem_ptr<EA>(A, k, size_t(m0 + 8 * v)));
    for (int c = 0; c < NC; ++c) {
      const __m256 b = _mm256_set1_ps(at<EB>(B, k, size_t(n0 + c)));
      for (int v = 0; v < VM; ++v) acc[c][v] = _mm256_fmadd_ps(a[v], b, acc[c][v]);
    }
  }
  for (int c = 0; c < NC; ++c) store_col<VM>(acc[c], C, ldc, m0, n0 + c, accumulate);
}

template <MatElem EA, MatElem EB, int NC>
__attribute__((target("avx2,fma"))) void narrow_cols(const MatView& A, const MatView& B, float* C,
                                                     size_t ldc, int M, int n0, int K, bool accumulate) {
  int m0 = 0;
  for (; m0 + 32 <= M; m0 += 32) narrow_block<EA, EB, NC, 4>(A, B, C, ldc, m0, n0, K, accumulate);
  for (; m0 + 8 <= M; m0 += 8) narrow_block<EA, EB, NC, 1>(A, B, C, ldc, m0, n0, K, accumulate);
  for (; m0 < M; ++m0)  // fewer than 8 rows left: the scalar definition
    for (int c = 0; c < NC; ++c) {
      float acc = 0.0f;
      for (int k = 0; k < K; ++k) acc = std::fmaf(at<EA>(A, k, m0), at<EB>(B, k, size_t(n0 + c)), acc);
      float& out = C[size_t(m0) * ldc + n0 + c];
      out = canon_nan(accumulate ? out + acc : acc);
    }
}

template <MatElem EA, MatElem EB>
void matmul_narrow(const MatView& A, const MatView& B, float* C, size_t ldc, int M, int N, int K,
                   bool accumulate) {
  int n0 = 0;
  for (; n0 + 3 <= N; n0 += 3) narrow_cols<EA, EB, 3>(A, B, C, ldc, M, n0, K, accumulate);
  if (N - n0 == 2) narrow_cols<EA, EB, 2>(A, B, C, ldc, M, n0, K, accumulate);
  if (N - n0 == 1) narrow_cols<EA, EB, 1>(A, B, C, ldc, M, n0, K, accumulate);
}

// Small-M kernel: MR <= 6 rows of C times NV vectors of 8 columns, A and B read in place.
// With one row block, packing B would cost as much as the product (every B element is
// used MR times), so B rows are streamed straight from the operand.
template <MatElem EA, MatElem EB, int MR, int NV>
__attribute__((target("avx2,fma"))) void direct_block(const MatView& A, const MatView& B, float* C,
                                                      size_t ldc, int n0, int K, bool accumulate) {
  __m256 acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_setzero_ps();
  for (int k = 0; k < K; ++k) {
    __m256 b[NV];
    for (int v = 0; v < NV; ++v) b[v] = load8<EB>(elem_ptr<EB>(B, k, size_t(n0 + 8 * v)));
    for (int r = 0; r < MR; ++r) {
      const __m256 a = _mm256_set1_ps(at<EA>(A, k, size_t(r)));
      for (int v = 0; v < NV; ++v) acc[r][v] = _mm256_fmadd_ps(a, b[v], acc[r][v]);
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) {
      float* out = C + size_t(r) * ldc + n0 + 8 * v;
      __m256 x = acc[r][v];
      if (accumulate) x = _mm256_add_ps(_mm256_loadu_ps(out), x);
      _mm256_storeu_ps(out, canon_nan8(x));
    }
}

template <MatElem EA, MatElem EB, int MR>
void matmul_small_m(const MatView& A, const MatView& B, float* C, size_t ldc, int N, int K,
                    bool accumulate) {
  constexpr int NV = MR == 1 ? 8 : MR <= 3 ? 4 : 2;  // at most 12 accumulators
  int n0 = 0;
  for (; n0 + 8 * NV <= N; n0 += 8 * NV) direct_block<EA, EB, MR, NV>(A, B, C, ldc, n0, K, accumulate);
  for (; n0 + 8 <= N; n0 += 8) direct_block<EA, EB, MR, 1>(A, B, C, ldc, n0, K, accumulate);
  for (; n0 < N; ++n0)  // fewer than 8 columns left: the scalar definition
    for (int r = 0; r < MR; ++r) {
      float acc = 0.0f;
      for (int k = 0; k < K; ++k) acc = std::fmaf(at<EA>(A, k, r), at<EB>(B, k, n0), acc);
      float& out = C[size_t(r) * ldc + n0];
      out = canon_nan(accumulate ? out + acc : acc);
    }
}

template <MatElem EA, MatElem EB>
void dispatch_avx2(const MatView& A, const MatView& B, float* C, size_t ldc, int M, int N, int K,
                   bool accumulate) {
  if (N < kNarrowN) return matmul_narrow<EA, EB>(A, B, C, ldc, M, N, K, accumulate);
  switch (M) {
    case 1: return matmul_small_m<EA, EB, 1>(A, B, C, ldc, N, K, accumulate);
    case 2: return matmul_small_m<EA, EB, 2>(A, B, C, ldc, N, K, accumulate);
    case 3: return matmul_small_m<EA, EB, 3>(A, B, C, ldc, N, K, accumulate);
    case 4: return matmul_small_m<EA, EB, 4>(A, B, C, ldc, N, K, accumulate);
    case 5: return matmul_small_m<EA, EB, 5>(A, B, C, ldc, N, K, accumulate);
    case 6: return matmul_small_m<EA, EB, 6>(A, B, C, ldc, N, K, accumulate);
    default: return matmul_avx2<EA, EB>(A, B, C, ldc, M, N, K, accumulate);
  }
}

}  // namespace

bool matmul_avx2_available() {
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
}

void matmul(const MatView& A, const MatView& B, float* C, size_t ldc, int M, int N, int K,
            bool accumulate, MatmulImpl impl, HelperThread* helper) {
  if (M <= 0 || N <= 0) return;
  if (impl == MatmulImpl::Auto) impl = matmul_avx2_available() ? MatmulImpl::Avx2 : MatmulImpl::Scalar;
  if (impl == MatmulImpl::Scalar) return matmul_scalar(A, B, C, ldc, M, N, K, accumulate);
  if (!matmul_avx2_available()) fail("matmul_f32: AVX2+FMA kernel requested but this CPU lacks it");
  // Large products: the helper thread takes the right half of the columns (whole 16-column
  // panels). Each output is still computed by one thread with the same fma chain.
  if (helper && int64_t(M) * N * K >= kSplitWork && M > kMR && N >= 2 * kNR) {
    const int nl = (N / 2 + kNR - 1) / kNR * kNR;
    MatView right = B;
    right.data = static_cast<const char*>(B.data) + size_t(nl) * (B.elem == MatElem::BF16 ? 2 : 4);
    helper->run_split([&](int half) {
      if (half == 0) matmul(A, B, C, ldc, M, nl, K, accumulate, MatmulImpl::Avx2, nullptr);
      else matmul(A, right, C + nl, ldc, M, N - nl, K, accumulate, MatmulImpl::Avx2, nullptr);
    });
    return;
  }
  const bool a16 = A.elem == MatElem::BF16, b16 = B.elem == MatElem::BF16;
  if (a16 && b16) dispatch_avx2<MatElem::BF16, MatElem::BF16>(A, B, C, ldc, M, N, K, accumulate);
  else if (a16) dispatch_avx2<MatElem::BF16, MatElem::F32>(A, B, C, ldc, M, N, K, accumulate);
  else if (b16) dispatch_avx2<MatElem::F32, MatElem::BF16>(A, B, C, ldc, M, N, K, accumulate);
  else dispatch_avx2<MatElem::F32, MatElem::F32>(A, B, C, ldc, M, N, K, accumulate);
}

void matmul_f32(const float* A, size_t lda, const float* B, size_t ldb, float* C, size_t ldc,
                int M, int N, int K, bool accumulate, MatmulImpl impl) {
  matmul({A, lda, MatElem::F32}, {B, ldb, MatElem::F32}, C, ldc, M, N, K, accumulate, impl);
}

}  // namespace npulab::sim::host
