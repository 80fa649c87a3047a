#!/usr/bin/env bash
# asm -> disasm -> asm is byte-identical, disasm output is canonical, and bad input
# exits non-zero with a message naming the file and line.
# Usage: asm_roundtrip.sh <path to npulab>; run from the repository root.
set -u
NPULAB=$1
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

src=tests/isa/golden/sample.s
# The golden program is not meant for a real chip (tiny placeholders), so skip validation.
"$NPULAB" asm "$src" -o "$tmp/a.npx" --no-validate || fail "asm $src"
"$NPULAB" disasm "$tmp/a.npx" -o "$tmp/a.s" || fail "disasm"
"$NPULAB" asm "$tmp/a.s" -o "$tmp/b.npx" --no-validate || fail "re-asm"
cmp -s "$tmp/a.npx" "$tmp/b.npx" || fail "asm -> disasm -> asm is not byte-identical"
cmp -s "$tmp/a.s" tests/isa/golden/sample.expected.s || fail "disasm output differs from the golden canonical text"
"$NPULAB" disasm "$tmp/a.s" > "$tmp/c.s" || fail "disasm of text to stdout"
cmp -s "$tmp/a.s" "$tmp/c.s" || fail "disasm of the text form differs from disasm of the binary"
[[ $(head -c 8 "$tmp/a.npx") == NPULABX1 ]] || fail "binary does not start with the magic"

# A realistic program validates against hw/trn2.toml (its .chip) and round-trips too.
good=tests/isa/golden/gemm_tile_trn2.s
"$NPULAB" asm "$good" -o "$tmp/g.npx" || fail "asm with validation of $good"
"$NPULAB" disasm "$tmp/g.npx" -o "$tmp/g.s" && "$NPULAB" asm "$tmp/g.s" -o "$tmp/g2.npx" || fail "re-asm of $good"
cmp -s "$tmp/g.npx" "$tmp/g2.npx" || fail "$good: asm -> disasm -> asm is not byte-identical"
sed 's/@256{1x512} flags=start/@256{1x1024} flags=start/' "$good" > "$tmp/big.s"
# expect_fail <exit code> <substring of stderr>... -- <args...>
expect_fail() {
  local want=$1; shift
  local needles=()
  while [[ $1 != -- ]]; do needles+=("$1"); shift; done
  shift
  local err rc
  err=$("$NPULAB" "$@" 2>&1 >/dev/null); rc=$?
  if [[ $rc != "$want" ]]; then fail "npulab $* exited $rc (want $want): $err"; return; fi
  for n in "${needles[@]}"; do
    [[ $err == *"$n"* ]] || fail "npulab $*: stderr lacks '$n': $err"
  done
}

printf '.core 0\n.stream pe\n  nop\n  frob x=1\n' > "$tmp/bad.s"
expect_fail 1 "$tmp/bad.s:4:3:" "unknown opcode 'frob'" -- asm "$tmp/bad.s" -o "$tmp/x.npx"
[[ -e $tmp/x.npx ]] && fail "output written despite the error"
printf '.chip "trn2"\n.core 0\n.stream dve\n  matmul dst=psum:f32[0:128]@0{1x512} stationary=sbuf:bf16[0:128]@0{1x128} moving=sbuf:bf16[0:128]@0{1x512}\n' > "$tmp/placed.s"
expect_fail 1 "core 0, stream dve, instr 0" "matmul cannot run on stream dve" -- asm "$tmp/placed.s" -o "$tmp/x.npx"
expect_fail 1 "cannot open" -- asm "$tmp/nonexistent.s" -o "$tmp/x.npx"
head -c 40 "$tmp/a.npx" > "$tmp/trunc.npx"
expect_fail 1 "trunc.npx: byte " -- disasm "$tmp/trunc.npx"
printf 'NPULABX9rest' > "$tmp/magic.npx"
expect_fail 1 "magic.npx: byte 0: magic" -- disasm "$tmp/magic.npx"
expect_fail 1 "core 0, stream pe, instr 0" "moving free size 1024 exceeds tensor.max_moving_free 512" "hw/trn2.toml" -- asm "$tmp/big.s" -o "$tmp/x.npx"
expect_fail 1 "unknown chip" -- asm "$src" -o "$tmp/x.npx" --hw trn99
# Misuse of the command line: CLI11 exit code (non-zero), usage on stderr.
err=$("$NPULAB" asm "$src" 2>&1); rc=$?
[[ $rc != 0 && $err == *"--output"* ]] || fail "asm without -o: rc=$rc $err"

# The opcode listing covers the table.
out=$("$NPULAB" isa) || fail "isa"
for op in nop dma_copy matmul transpose tensor_tensor activation shuffle; do
  [[ $out == *"$op"* ]] || fail "isa output lacks $op"
done

if [[ $fails != 0 ]]; then echo "$fails failure(s)"; exit 1; fi
echo "asm_roundtrip: all passed"
