# Invalid program for trn2: a DMA writing PSUM (DMA reaches HBM and SBUF only).
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: core 0, stream dma0, instr 0 (`{{.*}}`): operand dst may not be in psum (allowed: hbm|sbuf)
.executable "t"
.chip "trn2"
.tensor "x" kind=input dtype=f32 shape=[128,512] hbm=0
.core 0
.stream dma0
  dma_copy dst=psum:f32[0:128]@0{1x512} src=hbm:f32[0:128/512]@0{1x512}
