# Invalid assembly: a shape list ending in a comma.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_shape_trailing_comma.s:[[@LINE+1]]:43: expected an integer for shape dimension, got ']'
.tensor "t" kind=input dtype=f32 shape=[1,] hbm=0
