# Invalid assembly: an escape sequence that does not exist.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_unknown_escape.s:[[@LINE+1]]:16: unknown escape '\q'
.executable "a\q"
