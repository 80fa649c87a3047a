# Invalid assembly: .stream before any .core.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_stream_before_core.s:[[@LINE+1]]:1: .stream before any .core
.stream pe
