# Invalid assembly: a misspelt dtype.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_unknown_dtype.s:[[@LINE+4]]:17: unknown dtype 'f31'
.executable "t"
.core 0
.stream dve
memset dst=sbuf:f31[0:1]@0{1x1}
