# Invalid program for trn2: a vector op reading past the end of an SBUF partition (224 KiB).
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: core 0, stream dve, instr 0 (`{{.*}}`): operand src: SBUF byte range [228352, 230400) per partition outside SBUF bytes_per_partition 229376 ({{.*}}hw/trn2.toml)
.executable "t"
.chip "trn2"
.tensor "x" kind=input dtype=f32 shape=[128,512] hbm=0
.core 0
.stream dve
  tensor_copy dst=sbuf:f32[0:128]@0{1x512} src=sbuf:f32[0:128]@228352{1x512}
