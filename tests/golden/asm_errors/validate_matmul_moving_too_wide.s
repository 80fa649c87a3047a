# Invalid program for trn2: a matmul whose moving tile is wider than the tensor engine streams (512 columns).
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: core 0, stream pe, instr 0 (`{{.*}}`): moving free size 1024 exceeds tensor.max_moving_free 512 ({{.*}}hw/trn2.toml)
.executable "t"
.chip "trn2"
.tensor "x" kind=input dtype=f32 shape=[128,512] hbm=0
.core 0
.stream pe
  matmul dst=psum:f32[0:128]@0{1x512} stationary=sbuf:bf16[0:128]@0{1x128} moving=sbuf:bf16[0:128]@256{1x1024} flags=start
