# Invalid assembly: more free dims than an access pattern holds.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_five_free_dims.s:[[@LINE+4]]:44: more than 4 free dimensions
.executable "t"
.core 0
.stream dve
memset dst=sbuf:f32[0:1]@0{1x1,1x1,1x1,1x1,1x1}
