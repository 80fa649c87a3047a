# Invalid assembly: a constant whose .data holds fewer bytes than declared.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_const_short_data.s:[[@LINE+1]]:1: .const declared bytes=4 but its .data lines hold 2 bytes
.const hbm=0 bytes=4
.data 0102
.core 0
