# Invalid assembly: more waits than an instruction carries.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_five_waits.s:[[@LINE+4]]:49: more than 4 waits
.executable "t"
.core 0
.stream dve
nop wait=s1>=1 wait=s1>=1 wait=s1>=1 wait=s1>=1 wait=s1>=1
