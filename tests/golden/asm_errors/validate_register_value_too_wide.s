# Invalid program: a register immediate beyond the 32-bit sequencer registers.
# RUN: not %npulab asm %s -o %t.npx --hw trn2 2>&1 | FileCheck %s
# CHECK: npulab: error: core 0, stream sp, instr 0 (`reg_set r=r1 value=4294967296`): reg_set value 4294967296 does not fit a 32-bit register [-2147483648, 2147483647]
.executable "t"
.core 0
.stream sp
reg_set r=r1 value=4294967296
