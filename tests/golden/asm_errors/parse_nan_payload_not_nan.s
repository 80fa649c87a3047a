# Invalid assembly: a NaN payload that is not a NaN bit pattern.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_nan_payload_not_nan.s:[[@LINE+4]]:39: nan(0x3f800000) for value is not a NaN bit pattern
.executable "t"
.core 0
.stream dve
memset dst=sbuf:f32[0:1]@0{1x1} value=nan(0x3f800000)
