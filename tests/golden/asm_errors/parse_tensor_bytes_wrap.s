# Invalid assembly: a tensor whose byte size wraps 64 bits ([2^62 + 1] f32 used to pass as 4 bytes).
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_tensor_bytes_wrap.s:[[@LINE+2]]:1: tensor 'x' byte size: [4611686018427387905] x 4 does not fit an unsigned 64-bit integer
.executable "t"
.tensor "x" kind=input dtype=f32 shape=[4611686018427387905] hbm=0
