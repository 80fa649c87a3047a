# Invalid assembly: a constant whose .data holds more bytes than declared.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_const_long_data.s:[[@LINE+2]]:9: more .data than the 1 bytes declared
.const hbm=0 bytes=1
.data 0102
