# Invalid program for trn2: a matmul contracting over more partitions than the array has rows.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: core 0, stream pe, instr 0 (`{{.*}}`): moving has 128 partitions but stationary has 64 (contraction K must match)
.executable "t"
.chip "trn2"
.tensor "x" kind=input dtype=f32 shape=[128,512] hbm=0
.core 0
.stream pe
  matmul dst=psum:f32[0:128]@0{1x512} stationary=sbuf:bf16[0:64]@0{1x128} moving=sbuf:bf16[0:128]@256{1x512} flags=start
