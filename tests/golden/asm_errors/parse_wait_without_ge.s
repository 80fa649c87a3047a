# Invalid assembly: a wait written with > instead of >=.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_wait_without_ge.s:[[@LINE+4]]:12: expected '>=' in wait, got '>5'
.executable "t"
.core 0
.stream dve
nop wait=s1>5
