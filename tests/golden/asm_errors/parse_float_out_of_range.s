# Invalid assembly: a float immediate beyond FP32.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_float_out_of_range.s:[[@LINE+4]]:39: number 1e99 out of float range for value
.executable "t"
.core 0
.stream dve
memset dst=sbuf:f32[0:1]@0{1x1} value=1e99
