#!/usr/bin/env bash
# `npulab info` on bad input: non-zero exit and a message naming what is wrong.
# Usage: info_errors.sh <path to npulab>; run from the repository root.
set -u
NPULAB=$1
fails=0

# expect_fail <expected exit code or "nonzero"> <substring of stderr>... -- <args...>
expect_fail() {
  local want=$1; shift
  local needles=()
  while [[ $1 != -- ]]; do needles+=("$1"); shift; done
  shift
  local err rc
  err=$("$NPULAB" "$@" 2>&1 >/dev/null); rc=$?
  if [[ $rc == 0 ]] || { [[ $want != nonzero ]] && [[ $rc != "$want" ]]; }; then
    echo "FAIL: npulab $* exited $rc (want $want)"; fails=$((fails + 1)); return
  fi
  for n in "${needles[@]}"; do
    if [[ $err != *"$n"* ]]; then
      echo "FAIL: npulab $*: stderr lacks '$n':"; echo "$err"; fails=$((fails + 1))
    fi
  done
}

# Unknown chip: exit 1, names the chip and lists the built-in ones.
expect_fail 1 "unknown chip 'trn9'" inf2 trn1 trn2 trn3 -- info trn9
# Bad files: file name, table.key and the expectation.
expect_fail 1 zero_size.toml sbuf.bytes_per_partition "an integer in [64, 16777216]" -- info tests/arch/bad/zero_size.toml
expect_fail 1 unknown_key.toml tensor.rowz "unknown key" -- info tests/arch/bad/unknown_key.toml
expect_fail 1 missing_key.toml scalar.lanes missing -- info tests/arch/bad/missing_key.toml
expect_fail 1 wrong_type_string.toml chip.cores_per_chip integer -- info tests/arch/bad/wrong_type_string.toml
expect_fail 1 "syntax_error.toml:25:" "TOML syntax error" -- info tests/arch/bad/syntax_error.toml --json
expect_fail 1 /nonexistent/x.toml "cannot open" -- info /nonexistent/x.toml
# Command-line misuse is rejected by the parser (non-zero, usage message).
expect_fail nonzero "--bogus" -- info trn2 --bogus
expect_fail nonzero "trn3" -- info trn2 trn3

# An error must not leave partial output on stdout (scripts parse --json output).
out=$("$NPULAB" info trn9 --json 2>/dev/null)
if [[ -n $out ]]; then echo "FAIL: stdout not empty on error: $out"; fails=$((fails + 1)); fi

if [[ $fails != 0 ]]; then echo "$fails failure(s)"; exit 1; fi
echo "info_errors: all passed"
