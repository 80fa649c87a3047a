# One 128x128x512 BF16 matmul tile with exp epilogue, valid on trn2: the CLI test
# assembles it with validation against hw/trn2.toml.
.executable "gemm tile"
.chip "trn2"
.tensor "a_t" kind=input dtype=bf16 shape=[128,128] hbm=0
.tensor "b" kind=input dtype=bf16 shape=[128,512] hbm=32768
.tensor "c" kind=output dtype=f32 shape=[128,512] hbm=163840

.core 0
.stream dma0
  dma_copy dst=sbuf:bf16[0:128]@0{1x128} src=hbm:bf16[0:128/128]@0{1x128} signal=s0
.stream dma1
  dma_copy dst=sbuf:bf16[0:128]@256{1x512} src=hbm:bf16[0:128/512]@32768{1x512} signal=s0
.stream pe
  matmul dst=psum:f32[0:128]@0{1x512} stationary=sbuf:bf16[0:128]@0{1x128} moving=sbuf:bf16[0:128]@256{1x512} flags=start wait=s0>=2 signal=s1
.stream act
  activation dst=sbuf:f32[0:128]@2048{1x512} src=psum:f32[0:128]@0{1x512} func=exp scale=0.125 bias_imm=0 flags=bias_imm wait=s1>=1 signal=s2
.stream dma2
  dma_copy dst=hbm:f32[0:128/512]@163840{1x512} src=sbuf:f32[0:128]@2048{1x512} wait=s2>=1
.stream sp
  # a counted loop on the sync engine: r0 = 0; do r0 += 1 while r0 < 4
  reg_set r=r0 value=0
  reg_add r=r0 value=1
  branch_lt r=r0 limit=4 target=1
