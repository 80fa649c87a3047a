// Host matmul kernels (contract in matmul_f32.h).
//
// The AVX2 kernel is a classic register-blocked GEMM micro-kernel: a block of 6 output
// rows x 16 output columns lives in 12 ymm accumulators for the whole k loop, so each
// output still gets exactly one k-ordered chain of fused multiply-adds starting at +0
// (_mm256_fmadd_ps rounds once per step, exactly like std::fmaf). Operands are packed
// once per call: B into 16-column panels [K][16] (zero padded) that stay in L1 while
// every 6-row block of A ([K][6], zero padded) streams past them. Padding only feeds
// columns/rows that are never stored, so it cannot change a stored result.
#include "sim/kernels_host/matmul_f32.h"

#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common/error.h"

namespace npulab::sim::host {
namespace {

constexpr int kMR = 6;   // rows of C per micro-tile
constexpr int kNR = 16;  // columns of C per micro-tile (two ymm)

inline float canon_nan(float x) {
  if (std::isnan(x)) {
    uint32_t q = 0x7FC00000u;
    std::memcpy(&x, &q, 4);
  }
  return x;
}

// The reference definition, one output at a time. Used where AVX2+FMA is missing and
// as the oracle of the exactness test.
void matmul_scalar(const float* A, size_t lda, const float* B, size_t ldb, float* C,
                   size_t ldc, int M, int N, int K, bool accumulate) {
  for (int m = 0; m < M; ++m)
    for (int n = 0; n < N; ++n) {
      float acc = 0.0f;
      for (int k = 0; k < K; ++k) acc = std::fmaf(A[size_t(k) * lda + m], B[size_t(k) * ldb + n], acc);
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

__attribute__((target("avx2,fma"))) void matmul_avx2(const float* A, size_t lda, const float* B,
                                                     size_t ldb, float* C, size_t ldc, int M,
                                                     int N, int K, bool accumulate) {
  const int mblocks = (M + kMR - 1) / kMR, npanels = (N + kNR - 1) / kNR;
  auto& pb = pack_buffers();
  // +8 floats so the panel base can be rounded up to 32-byte alignment.
  pb.a.resize(size_t(mblocks) * K * kMR);
  pb.b.resize(size_t(K) * kNR + 8);
  float* Bp = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(pb.b.data()) + 31) & ~uintptr_t(31));
  // Pack A: block i holds rows m = 6i..6i+5 as [K][6], zero padded past M.
  for (int i = 0; i < mblocks; ++i) {
    float* dst = pb.a.data() + size_t(i) * K * kMR;
    const int m0 = i * kMR, mr = std::min(kMR, M - m0);
    for (int k = 0; k < K; ++k) {
      const float* src = A + size_t(k) * lda + m0;
      for (int r = 0; r < kMR; ++r) dst[size_t(k) * kMR + r] = r < mr ? src[r] : 0.0f;
    }
  }
  for (int j = 0; j < npanels; ++j) {
    const int n0 = j * kNR, nv = std::min(kNR, N - n0);
    for (int k = 0; k < K; ++k) {
      const float* src = B + size_t(k) * ldb + n0;
      float* dst = Bp + size_t(k) * kNR;
      if (nv == kNR) {
        _mm256_store_ps(dst, _mm256_loadu_ps(src));
        _mm256_store_ps(dst + 8, _mm256_loadu_ps(src + 8));
      } else {
        for (int c = 0; c < kNR; ++c) dst[c] = c < nv ? src[c] : 0.0f;
      }
    }
    for (int i = 0; i < mblocks; ++i) {
      const int m0 = i * kMR, mr = std::min(kMR, M - m0);
      const float* Ap = pb.a.data() + size_t(i) * K * kMR;
      float* Cb = C + size_t(m0) * ldc + n0;
      switch (mr) {
        case 6: micro_avx2<6>(Ap, Bp, K, Cb, ldc, nv, accumulate); break;
        case 5: micro_avx2<5>(Ap, Bp, K, Cb, ldc, nv, accumulate); break;
        case 4: micro_avx2<4>(Ap, Bp, K, Cb, ldc, nv, accumulate); break;
        case 3: micro_avx2<3>(Ap, Bp, K, Cb, ldc, nv, accumulate); break;
        case 2: micro_avx2<2>(Ap, Bp, K, Cb, ldc, nv, accumulate); break;
        default: micro_avx2<1>(Ap, Bp, K, Cb, ldc, nv, accumulate); break;
      }
    }
  }
}

}  // namespace

bool matmul_avx2_available() {
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
}

void matmul_f32(const float* A, size_t lda, const float* B, size_t ldb, float* C, size_t ldc,
                int M, int N, int K, bool accumulate, MatmulImpl impl) {
  if (M <= 0 || N <= 0) return;
  if (impl == MatmulImpl::Auto) impl = matmul_avx2_available() ? MatmulImpl::Avx2 : MatmulImpl::Scalar;
  if (impl == MatmulImpl::Avx2) {
    if (!matmul_avx2_available()) fail("matmul_f32: AVX2+FMA kernel requested but this CPU lacks it");
    matmul_avx2(A, lda, B, ldb, C, ldc, M, N, K, accumulate);
  } else {
    matmul_scalar(A, lda, B, ldb, C, ldc, M, N, K, accumulate);
  }
}

}  // namespace npulab::sim::host
