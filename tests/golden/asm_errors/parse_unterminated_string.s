# Invalid assembly: a string without its closing quote.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_unterminated_string.s:[[@LINE+1]]:13: unterminated string
.executable "open
