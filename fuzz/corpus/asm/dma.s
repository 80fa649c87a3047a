.core 0
.stream dma3
  dma_copy dst=sbuf:f32[0:128]@0{1x512} src=hbm:f32[0:128/512]@0+r1*2048{1x512} wait=s0>=r1*1-1
