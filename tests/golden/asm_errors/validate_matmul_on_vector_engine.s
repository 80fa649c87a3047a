# Invalid program for trn2: a matmul placed on the vector engine's stream.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: core 0, stream dve, instr 0 (`{{.*}}`): matmul cannot run on stream dve (allowed engines: pe)
.executable "t"
.chip "trn2"
.tensor "x" kind=input dtype=f32 shape=[128,512] hbm=0
.core 0
.stream dve
  matmul dst=psum:f32[0:128]@0{1x512} stationary=sbuf:bf16[0:128]@0{1x128} moving=sbuf:bf16[0:128]@256{1x512} flags=start
