# Invalid assembly: an executable name without quotes.
# RUN: not %npulab asm %s -o %t.npx 2>&1 | FileCheck %s
# CHECK: npulab: error: {{.*}}parse_unquoted_name.s:[[@LINE+1]]:13: expected a quoted string, got 'noquote'
.executable noquote
