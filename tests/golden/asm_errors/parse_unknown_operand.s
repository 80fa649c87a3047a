# Invalid assembly: an operand the opcode does not have: the message lists the keys it takes.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_unknown_operand.s:[[@LINE+5]]:33: unknown operand or field 'colour' for memset (expected dst, value, wait, signal)
.executable "t"
.core 0
.stream dve
nop
memset dst=sbuf:f32[0:1]@0{1x1} colour=3
