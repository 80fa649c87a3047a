# Invalid assembly: a stream the core does not have.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_unknown_stream.s:[[@LINE+2]]:9: unknown stream 'npu' (expected pe, dve, act, pool, sp or dmaN)
.core 0
.stream npu
