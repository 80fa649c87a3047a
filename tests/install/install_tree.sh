#!/usr/bin/env bash
# `cmake --install` gives a working tree: the installed npulab finds its chips from any
# directory (share/npulab/hw), honours NPULAB_HW_PATH and explicit paths, and an unknown
# chip names every directory it searched; `npulab validate` finds its cases in
# share/npulab/data/validation.
# Usage: install_tree.sh <cmake> <build dir>; run from the repository root.
set -u
CMAKE=$1
BUILD=$2
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$CMAKE" --install "$BUILD" --prefix "$tmp/prefix" >/dev/null || fail "cmake --install"
NPULAB=$tmp/prefix/bin/npulab
[[ -x $NPULAB ]] || fail "no bin/npulab in the installed tree"
[[ -f $tmp/prefix/share/npulab/hw/trn2.toml ]] || fail "no share/npulab/hw/trn2.toml"
mkdir -p "$tmp/elsewhere" "$tmp/myhw"
cd "$tmp/elsewhere" || exit 1

out=$("$NPULAB" info trn2 2>&1) || fail "installed npulab info trn2: $out"
[[ $out == *"Trainium2"* && $out == *"share/npulab/hw/trn2.toml"* ]] || fail "info trn2 output: $out"
out=$("$NPULAB" info 2>&1) || fail "installed npulab info: $out"
for n in inf2 trn1 trn2 trn3; do [[ $out == *"$n"* ]] || fail "info lists no $n: $out"; done

sed 's/^name = "trn2"/name = "mychip"/' "$tmp/prefix/share/npulab/hw/trn2.toml" > "$tmp/myhw/mychip.toml"
out=$(NPULAB_HW_PATH="$tmp/nowhere:$tmp/myhw" "$NPULAB" info mychip 2>&1) || fail "NPULAB_HW_PATH lookup: $out"
[[ $out == *"mychip"* ]] || fail "NPULAB_HW_PATH lookup output: $out"
out=$("$NPULAB" info "$tmp/myhw/mychip.toml" 2>&1) || fail "explicit path: $out"

err=$(NPULAB_HW_PATH="$tmp/myhw" "$NPULAB" info nochip 2>&1 >/dev/null); rc=$?
[[ $rc == 1 ]] || fail "unknown chip exited $rc"
for n in "unknown chip 'nochip'" "$tmp/myhw (NPULAB_HW_PATH)" "$tmp/prefix/share/npulab/hw (installed)" \
         "(next to the executable)" mychip trn2; do
  [[ $err == *"$n"* ]] || fail "unknown-chip error lacks '$n': $err"
done

out=$("$NPULAB" validate --list 2>&1) || fail "installed npulab validate --list: $out"
[[ $out == *"trn1-matmul-bf16-4096x8192x8192"* ]] || fail "installed validate finds no cases: $out"

if [[ $fails != 0 ]]; then echo "$fails failure(s)"; exit 1; fi
echo "install_tree: all passed"
