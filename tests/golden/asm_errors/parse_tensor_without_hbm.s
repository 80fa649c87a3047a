# Invalid assembly: a tensor declaration without its HBM offset.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_tensor_without_hbm.s:[[@LINE+3]]:1: .tensor "t" is missing hbm=


.tensor "t" kind=input dtype=f32 shape=[1]
