# Invalid assembly: an operand given twice.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_duplicate_operand.s:[[@LINE+4]]:33: duplicate operand 'dst'
.executable "t"
.core 0
.stream dve
memset dst=sbuf:f32[0:1]@0{1x1} dst=sbuf:f32[0:1]@0{1x1}
