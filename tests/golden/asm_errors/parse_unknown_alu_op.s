# Invalid assembly: a misspelt ALU op.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_unknown_alu_op.s:[[@LINE+4]]:68: unknown ALU op 'maximum' for op
.executable "t"
.core 0
.stream dve
tensor_reduce dst=sbuf:f32[0:1]@0{1x1} src=sbuf:f32[0:1]@0{1x1} op=maximum
