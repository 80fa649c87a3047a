# Invalid assembly: an operand that a set flag makes required.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_missing_flagged_operand.s:[[@LINE+4]]:1: missing operand 'scalar' of tensor_scalar (required when flag scalar_tensor is set)
.executable "t"
.core 0
.stream dve
tensor_scalar dst=sbuf:f32[0:1]@0{1x1} a=sbuf:f32[0:1]@0{1x1} flags=scalar_tensor
