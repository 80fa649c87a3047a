# Invalid assembly: a DMA queue without its number.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_stream_without_index.s:[[@LINE+2]]:9: unknown stream 'dma' (expected pe, dve, act, pool, sp or dmaN)
.core 0
.stream dma
