// Host kernel behind the simulated matmul: an exactly specified FP32 product.
//
//   acc[m][n] = fma chain over k = 0, 1, ..., K-1:  acc = fmaf(A[k][m], B[k][n], acc),
//               starting from acc = +0.0f
//   C[m][n]   = accumulate ? C[m][n] + acc[m][n]   (one FP32 add, RNE)
//                          : acc[m][n]
//   and any NaN result is stored as the canonical quiet NaN 0x7FC00000, so results do
//   not depend on which NaN operand the host FPU happened to propagate.
//
// A is the stationary tile in its natural k-major layout [K][lda] (row k holds m = 0..M-1),
// B the moving tile [K][ldb], C the PSUM tile [M][ldc]. Every implementation computes
// each output with exactly this k-ordered chain of fused multiply-adds, so results are
// bit-identical between the AVX2+FMA kernel and the portable scalar one (tested).
//
// A and B may also be BF16 (MatView): BF16 -> FP32 is exact (the 16 bits become the top
// half of the FP32 word), so the kernel decodes them while packing, with the same result
// as decoding into an FP32 buffer first but without that extra pass over memory.
#pragma once
#include <cstddef>
#include <cstdint>

namespace npulab::sim::host {

enum class MatmulImpl { Auto, Scalar, Avx2 };

// Element type of a MatView.
enum class MatElem : uint8_t { F32, BF16 };

// A k-major matrix in host memory: element (k, i) at data + (k * ld + i) elements.
// data must be aligned to its element size.
struct MatView {
  const void* data = nullptr;
  size_t ld = 0;
  MatElem elem = MatElem::F32;
};

// True when this CPU can run the AVX2+FMA kernel.
bool matmul_avx2_available();

void matmul_f32(const float* A, size_t lda, const float* B, size_t ldb, float* C, size_t ldc,
                int M, int N, int K, bool accumulate, MatmulImpl impl = MatmulImpl::Auto);

class HelperThread;  // sim/kernels_host/helper_thread.h

// The same product with F32 or BF16 operands read in place. Large products run half of
// their columns on `helper` when one is given (the chip's, sim::ChipOptions); the split
// never changes a result.
void matmul(const MatView& A, const MatView& B, float* C, size_t ldc, int M, int N, int K,
            bool accumulate, MatmulImpl impl = MatmulImpl::Auto, HelperThread* helper = nullptr);

}  // namespace npulab::sim::host
