# Invalid assembly: .data without its .const.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_data_outside_const.s:[[@LINE+1]]:1: .data outside a .const block
.data 00
