# Invalid assembly: core 1 before core 0.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_core_out_of_order.s:[[@LINE+1]]:8: cores must be declared in order: expected .core 0 or lower
.core 1
