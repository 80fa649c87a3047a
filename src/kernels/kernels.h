// The row-wise and layout kernels (GEMM lives in kernels/gemm.h). Each takes the
// Builder plus HBM tensors; rows go on partitions, 128 at a time, and every kernel
// keeps two sets of tiles in rotation so the next rows load while these compute.
#pragma once
#include "isa/instr.h"
#include "kernels/builder.h"

namespace npulab::kernels {

// Y[R, C] = softmax over each row of X[R, C]:  e = exp(x - max), y = e / sum(e).
void softmax(Builder& b, const HbmTensor& X, const HbmTensor& Y);

// Y = X / sqrt(mean(X^2, row) + eps) * gamma;  gamma is [C].
void rmsnorm(Builder& b, const HbmTensor& X, const HbmTensor& gamma, const HbmTensor& Y, float eps = 1e-6f);

// Y = (X - mean) / sqrt(var + eps) * gamma + beta;  gamma, beta are [C].
void layernorm(Builder& b, const HbmTensor& X, const HbmTensor& gamma, const HbmTensor& beta,
               const HbmTensor& Y, float eps = 1e-5f);

// Y = func(X * scale + bias), elementwise on the scalar engine (any ActFunc).
void activation(Builder& b, const HbmTensor& X, const HbmTensor& Y, isa::ActFunc func, float scale = 1.0f,
                float bias = 0.0f);

// Y[C, R] = X[R, C]^T through the tensor engine (exact), 128x128 blocks.
void transpose(Builder& b, const HbmTensor& X, const HbmTensor& Y);

}  // namespace npulab::kernels
