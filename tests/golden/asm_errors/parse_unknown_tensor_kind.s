# Invalid assembly: a tensor kind that does not exist.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_unknown_tensor_kind.s:[[@LINE+1]]:18: unknown tensor kind 'inout' (expected input, output, scratch or constant)
.tensor "t" kind=inout dtype=f32 shape=[1] hbm=0
