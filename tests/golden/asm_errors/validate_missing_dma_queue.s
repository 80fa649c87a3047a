# Invalid program for trn2: a DMA on a queue the core does not have (16 engines x 16 queues).
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: core 0, stream dma256, instr 0 (`{{.*}}`): DMA queue 256 does not exist (dma.engines_per_core * dma.queues_per_engine = 256) ({{.*}}hw/trn2.toml)
.executable "t"
.chip "trn2"
.tensor "x" kind=input dtype=f32 shape=[128,512] hbm=0
.core 0
.stream dma256
  dma_copy dst=sbuf:f32[0:128]@0{1x512} src=hbm:f32[0:128/512]@0{1x512}
