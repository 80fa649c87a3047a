# Invalid assembly: a .data line that is not hex.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_const_bad_hex.s:[[@LINE+2]]:7: expected hex digits in .data
.const hbm=0 bytes=1
.data 0g
