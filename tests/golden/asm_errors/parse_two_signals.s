# Invalid assembly: a second signal.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_two_signals.s:[[@LINE+4]]:15: duplicate signal=
.executable "t"
.core 0
.stream dve
nop signal=s1 signal=s2
