# Invalid program for trn2: a tile spanning partitions 100..163 of a 128-partition SBUF.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: core 0, stream dve, instr 0 (`{{.*}}`): operand dst: partitions [100, 164) exceed the 128 SBUF partitions ({{.*}}hw/trn2.toml)
.executable "t"
.chip "trn2"
.tensor "x" kind=input dtype=f32 shape=[128,512] hbm=0
.core 0
.stream dve
  memset dst=sbuf:f32[100:64]@0{1x16} value=0
