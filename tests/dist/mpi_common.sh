# Shared by tests/dist/*.sh: how to launch R ranks on this machine, or exit 77 (ctest's
# skip) where that cannot be done - no mpirun, or an npulab built without MPI; a scratch
# folder $tmp and fail() counting into $fails.
# Usage: source tests/dist/mpi_common.sh <npulab> <ON|OFF: built with MPI>
NPULAB=$1
HAVE_MPI=$2
if [ "$HAVE_MPI" != ON ]; then echo "SKIP: npulab built without MPI"; exit 77; fi
command -v mpirun >/dev/null || { echo "SKIP: no mpirun (Debian: openmpi-bin)"; exit 77; }
MPIRUN=(mpirun --oversubscribe)  # 4 ranks on a 2-core machine
[ "$(id -u)" = 0 ] && MPIRUN+=(--allow-run-as-root)
# mpirun -n R npulab ARGS...
ranks() { local r=$1; shift; "${MPIRUN[@]}" -n "$r" "$NPULAB" "$@"; }
fails=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
