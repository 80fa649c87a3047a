# Invalid assembly: a word that is not key=value.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_bare_word.s:[[@LINE+4]]:5: expected key=value, got 'junk'
.executable "t"
.core 0
.stream dve
nop junk
