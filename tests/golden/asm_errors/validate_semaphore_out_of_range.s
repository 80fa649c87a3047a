# Invalid program for trn2: a signal on a semaphore the core does not have.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: core 0, stream dve, instr 0 (`{{.*}}`): signal of semaphore s999 but the core has 64 semaphores ({{.*}}hw/trn2.toml)
.executable "t"
.chip "trn2"
.tensor "x" kind=input dtype=f32 shape=[128,512] hbm=0
.core 0
.stream dve
  memset dst=sbuf:f32[0:128]@0{1x16} value=0 signal=s999
