# Invalid assembly: a required operand left out.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_missing_operand.s:[[@LINE+4]]:1: missing operand 'dst' of memset
.executable "t"
.core 0
.stream dve
memset value=1
