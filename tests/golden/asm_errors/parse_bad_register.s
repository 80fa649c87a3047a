# Invalid assembly: a register without its r.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_bad_register.s:[[@LINE+4]]:11: expected a register rN for r, got 'x1'
.executable "t"
.core 0
.stream dve
reg_set r=x1 value=1
