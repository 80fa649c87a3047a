# Invalid program for trn2: a DMA reading beyond the chip HBM.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: core 0, stream dma0, instr 0 (`{{.*}}`): operand src: HBM byte range [999999999999999, 1000000000262143) outside HBM capacity 103079215104 ({{.*}}hw/trn2.toml)
.executable "t"
.chip "trn2"
.tensor "x" kind=input dtype=f32 shape=[128,512] hbm=0
.core 0
.stream dma0
  dma_copy dst=sbuf:f32[0:128]@0{1x512} src=hbm:f32[0:128/512]@999999999999999{1x512}
