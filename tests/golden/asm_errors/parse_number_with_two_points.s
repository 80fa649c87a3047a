# Invalid assembly: a number followed by junk.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_number_with_two_points.s:[[@LINE+4]]:42: unexpected '.2' after value
.executable "t"
.core 0
.stream dve
memset dst=sbuf:f32[0:1]@0{1x1} value=1.5.2
