# Invalid assembly: a misspelt opcode.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_unknown_opcode.s:[[@LINE+4]]:1: unknown opcode 'frobnicate'
.executable "t"
.core 0
.stream dve
frobnicate dst=sbuf:f32[0:1]@0{1x1}
