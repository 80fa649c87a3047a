# Invalid program for trn2: a matmul mixing bf16 and fp32 operands.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: core 0, stream pe, instr 0 (`{{.*}}`): stationary (bf16) and moving (f32) must have the same dtype
.executable "t"
.chip "trn2"
.tensor "x" kind=input dtype=f32 shape=[128,512] hbm=0
.core 0
.stream pe
  matmul dst=psum:f32[0:128]@0{1x512} stationary=sbuf:bf16[0:128]@0{1x128} moving=sbuf:f32[0:128]@256{1x512} flags=start
