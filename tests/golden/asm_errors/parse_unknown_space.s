# Invalid assembly: a misspelt memory space.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_unknown_space.s:[[@LINE+4]]:12: unknown memory space 'sbux' (expected hbm, sbuf or psum)
.executable "t"
.core 0
.stream dve
memset dst=sbux:f32[0:1]@0{1x1}
