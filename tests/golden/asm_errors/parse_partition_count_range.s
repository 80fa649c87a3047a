# Invalid assembly: a partition count beyond 16 bits.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_partition_count_range.s:[[@LINE+4]]:23: integer 70000 out of range for partition count [0, 65535]
.executable "t"
.core 0
.stream dve
memset dst=sbuf:f32[0:70000]@0{1x1}
