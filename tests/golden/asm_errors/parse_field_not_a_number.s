# Invalid assembly: a word where a number belongs.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_field_not_a_number.s:[[@LINE+4]]:39: expected a number for value, got 'abc'
.executable "t"
.core 0
.stream dve
memset dst=sbuf:f32[0:1]@0{1x1} value=abc
