# Invalid assembly: a misspelt directive.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_unknown_directive.s:[[@LINE+1]]:1: unknown directive '.frob' (expected .executable, .chip, .tensor, .const, .data, .core or .stream)
.frob 1
