# Invalid assembly: an instruction before any .stream.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_instruction_outside_stream.s:[[@LINE+1]]:1: instruction outside a .stream (use .core N and .stream NAME first)
nop
