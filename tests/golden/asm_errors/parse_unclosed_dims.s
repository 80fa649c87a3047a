# Invalid assembly: free dims without their closing brace.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_unclosed_dims.s:[[@LINE+4]]:31: expected '}' after the access pattern, got end of token
.executable "t"
.core 0
.stream dve
memset dst=sbuf:f32[0:1]@0{1x1
