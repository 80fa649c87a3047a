#!/usr/bin/env bash
# Hostile inputs at the CLI (issue 12): a runaway loop stops with a "runaway loop" error
# naming the stream and pc (budgets overridable by flag); empty, truncated and binary
# junk files are named as such by asm, run and disasm; overflowing tensor declarations,
# absurd chip files and out-of-range options give errors that read well.
# Usage: hostile_inputs.sh <path to npulab>; run from the repository root.
set -u
NPULAB=$1
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect_error <want in stderr> <command...>: exit status 1 and the message.
expect_error() {
  local want=$1; shift
  local err rc
  err=$("$@" 2>&1 >/dev/null); rc=$?
  [[ $rc == 1 ]] || fail "$* exited $rc (want 1): $err"
  [[ $err == *"$want"* ]] || fail "$*: message lacks '$want': $err"
  [[ $err == *"internal error"* ]] && fail "$*: internal error: $err"
}

# A loop that never ends: stopped by the budgets, functional and timing-only.
cat > "$tmp/loop.s" <<'S'
.executable "loop"
.chip "trn2"
.core 0
.stream act
reg_set r=r1 value=0
branch_lt r=r1 limit=1 target=1
S
for mode in "" --timing-only; do
  expect_error "runaway loop? 5000 instructions executed" "$NPULAB" run "$tmp/loop.s" $mode --max-instructions 5000
  expect_error "core0.act[1] \`branch_lt" "$NPULAB" run "$tmp/loop.s" $mode --max-instructions 5000
done
expect_error "simulated time passed the budget of 0.001 ms" "$NPULAB" run "$tmp/loop.s" --timing-only \
  --max-instructions 0 --max-sim-ms 0.001
expect_cli_error "--max-sim-ms: expected" "$NPULAB" run "$tmp/loop.s" --max-sim-ms -1

# Empty, truncated, binary junk.
: > "$tmp/empty.s"
for cmd in run disasm; do expect_error "empty file" "$NPULAB" $cmd "$tmp/empty.s"; done
expect_error "empty file" "$NPULAB" asm "$tmp/empty.s" -o "$tmp/e.npx"
printf 'NPULA' > "$tmp/short.npx"
expect_error "truncated executable: 5 bytes" "$NPULAB" run "$tmp/short.npx"
expect_error "truncated executable: 5 bytes" "$NPULAB" disasm "$tmp/short.npx"
printf '\x7fELF\0\0\0' > "$tmp/junk.bin"
expect_error "binary data" "$NPULAB" run "$tmp/junk.bin"
printf '# nothing\n\n' > "$tmp/comments.s"
expect_error "no program" "$NPULAB" asm "$tmp/comments.s" -o "$tmp/c.npx"
[[ -e "$tmp/c.npx" || -e "$tmp/e.npx" ]] && fail "asm wrote a container for an empty program"
"$NPULAB" asm examples/asm/pipeline.s -o "$tmp/p.npx" || fail "asm pipeline.s"
expect_error "binary .npx executable, not assembly text" "$NPULAB" asm "$tmp/p.npx" -o "$tmp/q.npx"

# Tensor declarations whose byte size wraps 64 bits.
printf '.executable "t"\n.chip "trn2"\n.tensor "x" kind=input dtype=f32 shape=[4611686018427387905] hbm=0\n' > "$tmp/wrap.s"
for cmd in run disasm; do expect_error "tensor 'x' byte size" "$NPULAB" $cmd "$tmp/wrap.s"; done
expect_error "tensor 'x' byte size" "$NPULAB" asm "$tmp/wrap.s" -o "$tmp/w.npx"

# Absurd chip files are refused naming the key and its range.
sed 's/^cores_per_chip = 8 /cores_per_chip = 100000 /' hw/trn2.toml > "$tmp/cores.toml"
expect_error "chip.cores_per_chip: expected an integer in [1, 1024]" "$NPULAB" info "$tmp/cores.toml"
sed 's/^fixed_latency_ns = 1300.0 /fixed_latency_ns = 1e300 /' hw/trn2.toml > "$tmp/lat.toml"
expect_error "dma.fixed_latency_ns: expected a number in [0, 1000000]" "$NPULAB" run examples/asm/pipeline.s --hw "$tmp/lat.toml"

# Option ranges that read well (no 300-digit limits); CLI11 exits with its own status.
expect_cli_error() {
  local want=$1; shift
  local err rc
  err=$("$@" 2>&1 >/dev/null); rc=$?
  [[ $rc != 0 ]] || fail "$* succeeded"
  [[ $err == *"$want"* ]] || fail "$*: message lacks '$want': $err"
}
expect_cli_error "--batch: expected an integer in [1, 65536], got 0" "$NPULAB" generate llama-3.1-8b --timing-only --batch 0
expect_cli_error "--max-tokens: expected an integer in [1, 16777216], got -3" "$NPULAB" generate llama-3.1-8b --timing-only --max-tokens -3
expect_cli_error "--batch: expected an integer in [1, 65536], got 99999999999" "$NPULAB" compile llama-3.1-8b --step decode --batch 99999999999
err=$("$NPULAB" generate llama-3.1-8b --timing-only --batch 0 2>&1)
[[ ${#err} -lt 400 ]] || fail "--batch 0 message is ${#err} characters: $err"

if [[ $fails == 0 ]]; then echo "hostile_inputs: all passed"; else exit 1; fi
