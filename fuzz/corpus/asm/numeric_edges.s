# Seed for fuzz_asm (issue 12): numeric fields at their edges, so mutations reach the limits.
.executable "edges"
.chip "trn2"
.tensor "big" kind=input dtype=f32 shape=[1073741824,4] hbm=0
.tensor "wrapish" kind=scratch dtype=bf16 shape=[4611686018427387903] hbm=0
.core 0
.stream sp
  reg_set r=r1 value=2147483646
  reg_add r=r1 value=1
  reg_set r=r2 value=-2147483648
  branch_lt r=r2 limit=2147483647 target=5
  nop wait=s0>=r1*0-9223372036854775807
  nop
.stream dve
  memset dst=sbuf:f32[0:128]@0{0x4294967295} value=1.0
.stream dma0
  dma_copy dst=sbuf:f32[0:128]@0{1x512} src=hbm:f32[0:128/512]@18446744073709551615{1x512}
