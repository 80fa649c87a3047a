# Invalid assembly: stride and size not separated by x.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_dim_without_x.s:[[@LINE+4]]:29: expected 'x' between stride and size (stride x size), got ':1}'
.executable "t"
.core 0
.stream dve
memset dst=sbuf:f32[0:1]@0{1:1}
