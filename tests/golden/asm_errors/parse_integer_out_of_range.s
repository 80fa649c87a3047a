# Invalid assembly: an integer immediate beyond 64 bits.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_integer_out_of_range.s:[[@LINE+4]]:20: integer 99999999999999999999 out of range for value [-9223372036854775808, 9223372036854775807]
.executable "t"
.core 0
.stream dve
reg_set r=r1 value=99999999999999999999
