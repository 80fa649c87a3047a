# Invalid assembly: only comments, no directive or instruction (asm used to write an empty container).
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_empty_program.s: no program: the text holds no directive or instruction
