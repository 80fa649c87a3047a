# Invalid assembly: a flag no opcode has.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_unknown_flag.s:[[@LINE+4]]:71: unknown flag 'fast' (expected none or a |-list of: start, scalar_tensor, reduce_all, scale_tensor, bias_imm, accumulate, negate)
.executable "t"
.core 0
.stream dve
tensor_reduce dst=sbuf:f32[0:1]@0{1x1} src=sbuf:f32[0:1]@0{1x1} flags=fast
