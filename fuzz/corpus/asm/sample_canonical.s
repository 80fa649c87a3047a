# npulab assembly (docs/ISA.md)
.executable "softmax demo"
.chip "trn2"
.tensor "x" kind=input dtype=bf16 shape=[128,512] hbm=0
.tensor "y" kind=output dtype=f32 shape=[128,512] hbm=131072
.tensor "scalar" kind=scratch dtype=f32 shape=[] hbm=524288
.const hbm=256 bytes=3
.data 0a0b0c

.core 0
.stream pe
  reg_set r=r2 value=-4
  matmul dst=psum:f32[0:128]@0{1x512} stationary=sbuf:bf16[0:128]@0{1x128} moving=sbuf:bf16[0:128]@0{1x512} flags=start wait=s4>=r2*8+1 wait=s5>=r1*-2-3 wait=s6>=r0*4
  reg_add r=r2 value=1
  branch_lt r=r2 limit=16 target=1
  memset dst=psum:f32[0:1]@0{1x1} value=nan
  nop
.stream dve
  tensor_reduce dst=sbuf:f32[0:128]@4096{1x1} src=sbuf:f32[0:128]@1024{1x512} op=max flags=reduce_all|negate wait=s1>=1
  tensor_scalar dst=sbuf:f32[0:128]@1024{1x512} a=sbuf:f32[0:128]@1024{1x512} op0=multiply s0=0.001 op1=add s1=0.1
  tensor_tensor dst=sbuf:bf16[32:32]@0{-1x16,2x8} a=psum:f32[0:32]@2048+r3*-512{1x128} b=sbuf:bf16[96:32]@8{1x128} op=is_ge
.stream act
  activation dst=sbuf:f32[0:128]@1024{1x512} src=sbuf:bf16[0:128]@0{1x512} accum=sbuf:f32[0:128]@3072{1x1} func=exp scale=0.5 bias_imm=-1.25 flags=bias_imm|accumulate wait=s0>=1 signal=s1
.stream pool
.stream sp
.stream dma0
  dma_copy dst=sbuf:bf16[0:128]@0{1x512} src=hbm:bf16[0:128/512]@0{1x512} signal=s0

.core 1
.stream pe
.stream dve
.stream act
.stream pool
.stream sp
  jump target=0
